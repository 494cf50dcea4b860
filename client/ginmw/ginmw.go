// Package ginmw guards a Gin service's routes with Gatehouse checks:
//
//	gh := client.New(gatehouseURL, serviceKey)
//	r.POST("/deployments/:id/invoke",
//		ginmw.RequirePermission(gh, "invoke",
//			ginmw.Param("deployment", "id"),
//			ginmw.SubjectFromContext("user_id")),
//		invokeHandler)
//
// It fails closed: a Gatehouse error answers 503, never lets the request in.
// A busy service lets its concurrent requests' checks share HTTP requests
// with client.New(gatehouseURL, serviceKey, client.WithCoalescing(2)).
package ginmw

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/client"
)

// ResourceFunc extracts the resource a request acts on.
type ResourceFunc func(*gin.Context) (client.Ref, bool)

// SubjectFunc extracts who the request is for (false: unauthenticated).
type SubjectFunc func(*gin.Context) (client.Ref, bool)

// Param reads the resource id from a path parameter.
func Param(resourceType, param string) ResourceFunc {
	return func(c *gin.Context) (client.Ref, bool) {
		id := c.Param(param)
		return client.Ref{Type: resourceType, ID: id}, id != ""
	}
}

// SubjectFromContext reads a user id that earlier middleware stored with
// c.Set(key, id).
func SubjectFromContext(key string) SubjectFunc {
	return func(c *gin.Context) (client.Ref, bool) {
		id := c.GetString(key)
		return client.Ref{Type: "user", ID: id}, id != ""
	}
}

// RequirePermission lets the request through only when Gatehouse allows
// the subject the permission on the resource: 401 without a subject, 403
// when denied, 503 when Gatehouse cannot answer.
func RequirePermission(gh *client.Client, permission string, resource ResourceFunc, subject SubjectFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		sub, ok := subject(c)
		if !ok {
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "unauthenticated"})
			return
		}
		res, ok := resource(c)
		if !ok {
			c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "not found"})
			return
		}
		out, err := gh.Check(c.Request.Context(), client.CheckRequest{Subject: &sub, Resource: res, Permission: permission})
		switch {
		case err != nil:
			c.AbortWithStatusJSON(http.StatusServiceUnavailable, gin.H{"error": "authorization unavailable"})
		case !out.Allowed:
			c.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": "forbidden"})
		default:
			c.Set("gatehouse.checked_at", out.CheckedAt)
			c.Next()
		}
	}
}

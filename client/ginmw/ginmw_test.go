package ginmw_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/client/ginmw"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// A platform service guards its own route with a service credential.
func TestRequirePermissionGuardsARoute(t *testing.T) {
	env := testenv.New(t)
	root := env.RootToken(t)
	bobID, bob := env.User(t, root, "bob@example.com", "member")
	eveID, _ := env.User(t, root, "eve@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", bob, map[string]string{"name": "svc"}).Str("id")
	dep := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/deployments", bob, map[string]string{"name": "d"}).Str("id")
	key := env.Must(t, 201, "POST", "/v1/service-credentials", root, map[string]string{"name": "inference"}).Str("key")

	serve := func(gatehouseURL string) *gin.Engine {
		gin.SetMode(gin.TestMode)
		r := gin.New()
		r.Use(func(c *gin.Context) { c.Set("user_id", c.GetHeader("X-User")) })
		r.POST("/deployments/:id/invoke",
			ginmw.RequirePermission(client.New(gatehouseURL, key), "invoke", ginmw.Param("deployment", "id"), ginmw.SubjectFromContext("user_id")),
			func(c *gin.Context) { c.String(http.StatusOK, "ran") })
		return r
	}
	call := func(r *gin.Engine, user string) int {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/deployments/"+dep+"/invoke", nil)
		if user != "" {
			req.Header.Set("X-User", user)
		}
		r.ServeHTTP(w, req)
		return w.Code
	}
	r := serve(env.Server.URL)
	if got := call(r, bobID); got != 200 {
		t.Errorf("bob: %d", got)
	}
	if got := call(r, eveID); got != 403 {
		t.Errorf("eve: %d", got)
	}
	if got := call(r, ""); got != 401 {
		t.Errorf("nobody: %d", got)
	}
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	if got := call(serve(down.URL), bobID); got != 503 {
		t.Errorf("gatehouse down: %d", got)
	}
	ids, err := client.New(env.Server.URL, key).LookupResources(t.Context(), &client.Ref{Type: "user", ID: bobID}, "deployment", "update")
	if err != nil || len(ids) != 1 || ids[0] != dep {
		t.Errorf("lookup: %v %v", ids, err)
	}
}

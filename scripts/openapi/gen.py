#!/usr/bin/env python3
"""Writes internal/httpapi/openapi.json from the route table below.

Keep ROUTES in step with internal/httpapi/routes.go; TestOpenAPIMatchesRoutes
fails when they differ. Run: python3 scripts/openapi/gen.py
"""
import json, re, os

S = lambda name: {"$ref": f"#/components/schemas/{name}"}
obj = lambda props, req=(): {"type": "object", "additionalProperties": False, "properties": props, **({"required": list(req)} if req else {})}
string = {"type": "string"}
uuid = {"type": "string", "format": "uuid"}
ref = obj({"type": string, "id": string}, ["type", "id"])
consistency = obj({"at_least_as_fresh": string, "fully_consistent": {"type": "boolean"}, "minimize_latency": {"type": "boolean"}})
check_item = obj({"subject": ref, "resource": ref, "permission": string, "branch": string, "consistency": consistency, "explain": {"type": "boolean"}}, ["resource", "permission"])

schemas = {
    "Problem": {"type": "object", "properties": {"type": string, "title": string, "status": {"type": "integer"}, "detail": string, "code": string, "field": string, "request_id": string}, "required": ["type", "title", "status", "detail", "code"]},
    "Ref": ref,
    "Consistency": consistency,
    "CheckRequest": check_item,
    "CheckResponse": {"type": "object", "properties": {"allowed": {"type": "boolean"}, "decision": {"type": "string", "enum": ["allow", "deny", "allow_default", "allow_other"]}, "checked_at": string, "explanation": {"type": "object"}}},
    "BulkCheckRequest": obj({"items": {"type": "array", "maxItems": 1000, "items": check_item}, "consistency": consistency}, ["items"]),
    "Login": obj({
        "email": {"type": "string", "maxLength": 254},
        "password": {"type": "string", "maxLength": 1024},
        "tenant": {"type": "string", "maxLength": 200, "description": "Optional: the tenant's id, or its name (case-insensitive; give the id when tenants share a name). Needed only when the email has accounts in several tenants; a login that names no single active account fails like a wrong password."},
    }, ["email", "password"]),
    "Accept": obj({"token": string, "password": string, "name": string}, ["token", "password"]),
    "Invite": obj({"email": string, "name": string, "global_role": {"type": "string", "enum": ["superadmin", "admin", "member"]}, "tenant_id": uuid}, ["email", "name"]),
    "UserPatch": obj({"name": string, "email": string}),
    "GlobalRole": obj({"role": {"type": "string", "enum": ["superadmin", "admin", "member"]}}, ["role"]),
    "TenantCreate": obj({"name": string, "admin": obj({"email": string, "name": string}, ["email"])}, ["name", "admin"]),
    "TenantPatch": obj({"name": string}),
    "Named": obj({"name": string}, ["name"]),
    "Workspace": obj({"name": string, "description": string}, ["name"]),
    "WorkspacePatch": obj({"name": string, "description": string}),
    "Member": obj({"user_id": uuid, "group_id": uuid, "role": {"type": "string", "enum": ["owner", "admin", "member"]}}, ["role"]),
    "MemberPatch": obj({"role": {"type": "string", "enum": ["owner", "admin", "member"]}}, ["role"]),
    "Transfer": obj({"user_id": uuid}, ["user_id"]),
    "Model": obj({"name": string, "provider": string}, ["name"]),
    "ModelPatch": obj({"name": string, "provider": string}),
    "Whitelist": obj({"model_id": uuid}, ["model_id"]),
    "Deployment": obj({"name": string, "model_id": uuid}, ["name"]),
    "APIKey": obj({"name": string, "role": {"type": "string", "enum": ["admin", "member"]}, "expires_at": {"type": "string", "format": "date-time"}}, ["name", "role"]),
    "Role": obj({"name": string, "description": string, "permissions": {"type": "array", "items": string}}, ["name"]),
    "RolePatch": obj({"name": string, "description": string, "permissions": {"type": "array", "items": string}}),
    "RolePermission": obj({"permission": string}, ["permission"]),
    "Kind": obj({"namespace": {"type": "string", "pattern": "^[A-Z][A-Za-z0-9]{0,63}$"}, "name": {"type": "string", "pattern": "^[A-Z][A-Za-z0-9]{0,63}$"},
                 "guarded_by": {"type": "string", "description": "A global action that alone decides every action but view on the kind"},
                 "inherit_from": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z][A-Za-z0-9]{0,63}:[A-Z][A-Za-z0-9]{0,63}$"}, "description": "Registered generic kinds; the kind inherits their guard"},
                 "generic": {"type": "boolean"}}, ["namespace", "name"]),
    "Branch": obj({"name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$"}}, ["name"]),
    "BranchPatch": obj({"status": {"type": "string", "enum": ["open", "merged", "need_rebase"]}}, ["status"]),
    "List": {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}, "next_cursor": string}},
    "Written": {"type": "object", "description": "The changed object plus consistency_token (also in the Gatehouse-Consistency-Token header), or projection_pending when answered 202.", "properties": {"id": string, "consistency_token": string, "projection_pending": {"type": "boolean"}}},
}

# method, path, summary, request schema, success status, public
ROUTES = [
    ("GET", "/healthz", "Liveness", None, 200, True),
    ("GET", "/readyz", "Readiness: PostgreSQL and SpiceDB answer", None, 200, True),
    ("GET", "/openapi.json", "This document", None, 200, True),
    ("POST", "/v1/auth/login", "Log in with email, password and optional tenant (429 with Retry-After when throttled)", "Login", 200, True),
    ("GET", "/v1/auth/oidc/login", "Start SSO (redirects to the OpenID provider)", None, 302, True),
    ("GET", "/v1/auth/oidc/callback", "SSO callback: opens a session", None, 200, True),
    ("GET", "/v1/invitations/accept", "Show an invitation (?token=) without using it", None, 200, True),
    ("POST", "/v1/invitations/accept", "Accept an invitation and set a password", "Accept", 200, True),
    ("POST", "/v1/auth/logout", "End the caller's session", None, 204, False),
    ("GET", "/v1/me", "The caller's profile and workspaces with roles", None, 200, False),
    ("GET", "/v1/tenants", "List tenants (superadmins: all; others: their own)", None, 200, False),
    ("POST", "/v1/tenants", "Create a tenant with its first admin (superadmin)", "TenantCreate", 201, False),
    ("GET", "/v1/tenants/{tenant_id}", "Get a tenant", None, 200, False),
    ("PATCH", "/v1/tenants/{tenant_id}", "Change tenant settings", "TenantPatch", 200, False),
    ("GET", "/v1/users", "List users (q, role, status, tenant_id, limit, cursor)", None, 200, False),
    ("POST", "/v1/users", "Invite a user", "Invite", 201, False),
    ("GET", "/v1/users/{user_id}", "Get a user", None, 200, False),
    ("PATCH", "/v1/users/{user_id}", "Edit a profile", "UserPatch", 200, False),
    ("DELETE", "/v1/users/{user_id}", "Delete a user (soft)", None, 200, False),
    ("POST", "/v1/users/{user_id}/disable", "Disable a user", None, 200, False),
    ("POST", "/v1/users/{user_id}/enable", "Enable a user", None, 200, False),
    ("PUT", "/v1/users/{user_id}/global-role", "Set a user's global role", "GlobalRole", 200, False),
    ("POST", "/v1/users/{user_id}/invitation", "Resend an invitation (new token)", None, 201, False),
    ("DELETE", "/v1/users/{user_id}/invitation", "Revoke open invitations", None, 200, False),
    ("GET", "/v1/users/{user_id}/groups", "A user's account groups", None, 200, False),
    ("GET", "/v1/groups", "List account groups", None, 200, False),
    ("POST", "/v1/groups", "Create an account group", "Named", 201, False),
    ("GET", "/v1/groups/{group_id}", "Get a group with its members", None, 200, False),
    ("PATCH", "/v1/groups/{group_id}", "Rename a group", "Named", 200, False),
    ("DELETE", "/v1/groups/{group_id}", "Delete a group", None, 200, False),
    ("PUT", "/v1/groups/{group_id}/members/{user_id}", "Add a user to a group", None, 200, False),
    ("DELETE", "/v1/groups/{group_id}/members/{user_id}", "Remove a user from a group", None, 200, False),
    ("GET", "/v1/roles", "Built-in roles (read-only) and custom roles", None, 200, False),
    ("POST", "/v1/roles", "Create a custom role", "Role", 201, False),
    ("GET", "/v1/roles/{role_id}", "Get a role (builtin:admin etc. or a custom role)", None, 200, False),
    ("PATCH", "/v1/roles/{role_id}", "Rename a role or replace its permissions", "RolePatch", 200, False),
    ("DELETE", "/v1/roles/{role_id}", "Delete a custom role and its assignments", None, 200, False),
    ("POST", "/v1/roles/{role_id}/permissions", "Add a permission to a role", "RolePermission", 200, False),
    ("DELETE", "/v1/roles/{role_id}/permissions/{permission}", "Remove a permission from a role", None, 200, False),
    ("GET", "/v1/roles/{role_id}/assignments", "List a role's holders", None, 200, False),
    ("PUT", "/v1/roles/{role_id}/assignments/{holder}", "Assign a role to user:<id> or group:<id>", None, 200, False),
    ("DELETE", "/v1/roles/{role_id}/assignments/{holder}", "Take a role away", None, 200, False),
    ("GET", "/v1/permissions", "Permission catalog: global actions, object actions, decisions", None, 200, False),
    ("GET", "/v1/kinds", "Registered object kinds", None, 200, False),
    ("POST", "/v1/kinds", "Register an object kind", "Kind", 201, False),
    ("GET", "/v1/permissions/report", "For every kind, view/create/update/delete as branch-relative decisions (branch, subject=type:id, limit, cursor)", None, 200, False),
    ("GET", "/v1/branches", "Registered branches with their status", None, 200, False),
    ("POST", "/v1/branches", "Register a branch (open)", "Branch", 201, False),
    ("PATCH", "/v1/branches/{name}", "Set a branch's status (a name holding / is sent as %2F)", "BranchPatch", 200, False),
    ("DELETE", "/v1/branches/{name}", "Remove a branch registration", None, 200, False),
    ("GET", "/v1/audit-logs", "Audit log (tenant_id: an id, or none for the entries of no tenant, superadmins only; workspace, actor, action, target, since, until)", None, 200, False),
    ("GET", "/v1/workspaces", "Workspaces the caller may view (mine=true: with a role)", None, 200, False),
    ("POST", "/v1/workspaces", "Create a workspace (the caller becomes owner)", "Workspace", 201, False),
    ("GET", "/v1/workspaces/{workspace_id}", "Get a workspace", None, 200, False),
    ("PATCH", "/v1/workspaces/{workspace_id}", "Update workspace settings", "WorkspacePatch", 200, False),
    ("DELETE", "/v1/workspaces/{workspace_id}", "Delete a workspace (owners)", None, 200, False),
    ("GET", "/v1/workspaces/{workspace_id}/members", "Members (users and groups) with effective roles", None, 200, False),
    ("POST", "/v1/workspaces/{workspace_id}/members", "Add a user or group member", "Member", 201, False),
    ("PATCH", "/v1/workspaces/{workspace_id}/members/{member_id}", "Change a member's role", "MemberPatch", 200, False),
    ("DELETE", "/v1/workspaces/{workspace_id}/members/{member_id}", "Remove a member", None, 200, False),
    ("POST", "/v1/workspaces/{workspace_id}/transfer-ownership", "Transfer ownership", "Transfer", 200, False),
    ("GET", "/v1/models", "Global model catalog (whitelist_for=<workspace>)", None, 200, False),
    ("POST", "/v1/models", "Add a catalog model", "Model", 201, False),
    ("PATCH", "/v1/models/{model_id}", "Rename a catalog model or change its provider", "ModelPatch", 200, False),
    ("DELETE", "/v1/models/{model_id}", "Remove a catalog model", None, 200, False),
    ("GET", "/v1/workspaces/{workspace_id}/models", "Whitelisted models", None, 200, False),
    ("POST", "/v1/workspaces/{workspace_id}/models", "Whitelist a catalog model", "Whitelist", 201, False),
    ("DELETE", "/v1/workspaces/{workspace_id}/models/{model_id}", "Un-whitelist a model", None, 200, False),
    ("GET", "/v1/workspaces/{workspace_id}/deployments", "Deployments", None, 200, False),
    ("POST", "/v1/workspaces/{workspace_id}/deployments", "Create a deployment", "Deployment", 201, False),
    ("GET", "/v1/workspaces/{workspace_id}/deployments/{deployment_id}", "Get a deployment", None, 200, False),
    ("PATCH", "/v1/workspaces/{workspace_id}/deployments/{deployment_id}", "Update a deployment", "Deployment", 200, False),
    ("DELETE", "/v1/workspaces/{workspace_id}/deployments/{deployment_id}", "Delete a deployment", None, 200, False),
    ("GET", "/v1/workspaces/{workspace_id}/api-keys", "API keys (owners/admins: all; members: their own)", None, 200, False),
    ("POST", "/v1/workspaces/{workspace_id}/api-keys", "Create an API key (the secret is shown once)", "APIKey", 201, False),
    ("DELETE", "/v1/workspaces/{workspace_id}/api-keys/{key_id}", "Revoke an API key", None, 200, False),
    ("GET", "/v1/service-credentials", "Service credentials of the tenant", None, 200, False),
    ("POST", "/v1/service-credentials", "Create a service credential (the secret is shown once)", "Named", 201, False),
    ("DELETE", "/v1/service-credentials/{service_id}", "Revoke a service credential", None, 200, False),
    ("POST", "/v1/check", "May subject do permission on resource?", "CheckRequest", 200, False),
    ("POST", "/v1/check/bulk", "Up to 1000 checks, answered in order", "BulkCheckRequest", 200, False),
    ("GET", "/v1/lookup/resources", "Resources a subject has a permission on (subject, resource_type, permission)", None, 200, False),
    ("GET", "/v1/lookup/subjects", "Subjects with a permission on a resource (resource, permission, subject_type)", None, 200, False),
]

paths = {}
for method, path, summary, body, status, public in ROUTES:
    op = {"summary": summary, "operationId": method.lower() + re.sub(r"[^A-Za-z0-9]+", "_", path).rstrip("_"), "responses": {}}
    params = [{"name": p, "in": "path", "required": True, "schema": string} for p in re.findall(r"{(\w+)}", path)]
    if params:
        op["parameters"] = params
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": S(body)}}}
    if not public:
        op["security"] = [{"bearer": []}]
    okschema = S("CheckResponse") if path == "/v1/check" else S("Written") if method in ("POST", "PUT", "PATCH", "DELETE") else S("List") if path.endswith("s") and "{" not in path.split("/")[-1] else {"type": "object"}
    op["responses"][str(status)] = {"description": "success", "content": {"application/json": {"schema": okschema}}} if status not in (204, 302) else {"description": "success"}
    if method != "GET" and not public:
        op["responses"]["202"] = {"description": "stored; projection to SpiceDB pending (SpiceDB unreachable)", "content": {"application/json": {"schema": S("Written")}}}
    for code, desc in [("400", "malformed request"), ("401", "no or bad credentials"), ("403", "not allowed"), ("404", "not found or not visible"), ("409", "conflicts with a rule"), ("422", "invalid field"), ("429", "rate limited"), ("503", "a dependency is down")]:
        op["responses"][code] = {"description": desc, "content": {"application/problem+json": {"schema": S("Problem")}}}
    paths.setdefault(path, {})[method.lower()] = op

doc = {
    "openapi": "3.0.3",
    "info": {"title": "Gatehouse", "version": "1.0.0", "description": "Multi-tenant IAM: PostgreSQL holds the facts, SpiceDB decides."},
    "paths": paths,
    "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A session token (ghs_), an API key (ghk_) or a service credential (ghsvc_)."}}},
}
out = os.path.join(os.path.dirname(__file__), "..", "..", "internal", "httpapi", "openapi.json")
with open(out, "w") as f:
    json.dump(doc, f, indent=1, sort_keys=True)
    f.write("\n")

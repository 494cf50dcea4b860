package deploy_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/gatehouse/gatehouse/internal/config"
)

// spiceDBCluster is the SpiceDB operator's SpiceDBCluster
// (authzed.com/v1alpha1), the fields these manifests use. The operator's
// Go types are not a dependency; strict decoding into this struct still
// refuses a misspelt or unknown field, of the spec and of its config.
type spiceDBCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Version    string        `json:"version"`
		Channel    string        `json:"channel"`
		SecretName string        `json:"secretName"`
		Config     spiceDBConfig `json:"config"`
		Patches    []struct {
			Kind  string          `json:"kind"`
			Patch json.RawMessage `json:"patch"`
		} `json:"patches"`
	} `json:"spec"`
}

// spiceDBConfig is spec.config: SpiceDB's flags in camelCase, and the
// operator's own keys (tlsSecretName, dispatchUpstreamCA...).
type spiceDBConfig struct {
	DatastoreEngine              string  `json:"datastoreEngine"`
	Replicas                     int     `json:"replicas"`
	LogLevel                     string  `json:"logLevel"`
	TLSSecretName                string  `json:"tlsSecretName"`
	DispatchUpstreamCASecretName string  `json:"dispatchUpstreamCASecretName"`
	DispatchUpstreamCAFilePath   string  `json:"dispatchUpstreamCAFilePath"`
	TelemetryEndpoint            *string `json:"telemetryEndpoint"`
}

// The labels the operator gives the pods of the SpiceDBCluster named name
// (its pkg/metadata: LabelsForComponent).
func operatorPodLabels(name string) labels.Set {
	return labels.Set{"authzed.com/cluster": name, "authzed.com/cluster-component": "spicedb", "authzed.com/managed-by": "operator"}
}

// strictJSON decodes as the API server does: field names case-sensitive,
// unknown and duplicate fields refused.
func strictJSON(t *testing.T, what string, js []byte, obj any) {
	t.Helper()
	strict, err := kjson.UnmarshalStrict(js, obj)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(strict) > 0 {
		t.Fatalf("%s: %v", what, errors.Join(strict...))
	}
}

// decodeStrict decodes a manifest into the Kubernetes API type of its kind,
// refusing unknown fields.
func decodeStrict(t *testing.T, file string, doc []byte) any {
	t.Helper()
	var head metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &head); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var obj any
	switch head.APIVersion + "/" + head.Kind {
	case "v1/Namespace":
		obj = &corev1.Namespace{}
	case "v1/ConfigMap":
		obj = &corev1.ConfigMap{}
	case "v1/Secret":
		obj = &corev1.Secret{}
	case "v1/Service":
		obj = &corev1.Service{}
	case "v1/ServiceAccount":
		obj = &corev1.ServiceAccount{}
	case "apps/v1/Deployment":
		obj = &appsv1.Deployment{}
	case "batch/v1/Job":
		obj = &batchv1.Job{}
	case "policy/v1/PodDisruptionBudget":
		obj = &policyv1.PodDisruptionBudget{}
	case "autoscaling/v2/HorizontalPodAutoscaler":
		obj = &autoscalingv2.HorizontalPodAutoscaler{}
	case "rbac.authorization.k8s.io/v1/Role":
		obj = &rbacv1.Role{}
	case "rbac.authorization.k8s.io/v1/RoleBinding":
		obj = &rbacv1.RoleBinding{}
	case "networking.k8s.io/v1/NetworkPolicy":
		obj = &networkingv1.NetworkPolicy{}
	case "authzed.com/v1alpha1/SpiceDBCluster":
		obj = &spiceDBCluster{}
	default:
		t.Fatalf("%s: unexpected kind %s %s", file, head.APIVersion, head.Kind)
	}
	js, err := yaml.YAMLToJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	strictJSON(t, file+": "+head.Kind, js, obj)
	return obj
}

// manifests are the decoded objects of the files matching glob.
func manifests(t *testing.T, glob string) []any {
	t.Helper()
	files, _ := filepath.Glob(glob)
	if len(files) == 0 {
		t.Fatalf("no manifests match %s", glob)
	}
	var objs []any
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range strings.Split(string(raw), "\n---\n") {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			objs = append(objs, decodeStrict(t, f, []byte(doc)))
		}
	}
	return objs
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func all[T any](objs []any) []T {
	var out []T
	for _, o := range objs {
		if v, ok := o.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// podTemplate is a pod template of the manifests: a Deployment's, a Job's,
// or one the operator makes for the SpiceDBCluster, with the patches
// applied over it (only the fields the patches set).
type podTemplate struct {
	name   string
	labels labels.Set
	spec   corev1.PodSpec
}

func podTemplates(t *testing.T, objs []any) []podTemplate {
	t.Helper()
	var out []podTemplate
	for _, d := range all[*appsv1.Deployment](objs) {
		out = append(out, podTemplate{"Deployment " + d.Name, d.Spec.Template.Labels, d.Spec.Template.Spec})
	}
	for _, j := range all[*batchv1.Job](objs) {
		out = append(out, podTemplate{"Job " + j.Name, j.Spec.Template.Labels, j.Spec.Template.Spec})
	}
	for _, c := range all[*spiceDBCluster](objs) {
		kinds := map[string]bool{}
		for i, p := range c.Spec.Patches {
			js, err := yaml.YAMLToJSON(p.Patch)
			if err != nil {
				t.Fatal(err)
			}
			what := fmt.Sprintf("SpiceDBCluster %s patch %d (%s)", c.Name, i, p.Kind)
			switch p.Kind {
			case "Deployment":
				var d appsv1.Deployment
				strictJSON(t, what, js, &d)
				out = append(out, podTemplate{what, operatorPodLabels(c.Name), d.Spec.Template.Spec})
			case "Job":
				var j batchv1.Job
				strictJSON(t, what, js, &j)
				out = append(out, podTemplate{what, nil, j.Spec.Template.Spec})
			default:
				t.Fatalf("%s: unexpected kind", what)
			}
			kinds[p.Kind] = true
		}
		// The operator runs SpiceDB in a Deployment and migrates with a
		// Job: both need the patch.
		if !kinds["Deployment"] || !kinds["Job"] {
			t.Errorf("SpiceDBCluster %s: patches for Deployment and Job needed (the operator's pods), got %v", c.Name, kinds)
		}
	}
	return out
}

func TestKubernetesManifestsDecodeStrictlyAndScaleOut(t *testing.T) {
	objs := manifests(t, "kubernetes/*.yaml")
	deployments := map[string]*appsv1.Deployment{}
	for _, d := range all[*appsv1.Deployment](objs) {
		deployments[d.Name] = d
	}
	d := deployments["gatehouse"]
	if d == nil {
		t.Fatal("no gatehouse Deployment")
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("gatehouse: needs at least 2 replicas")
	}
	c := d.Spec.Template.Spec.Containers[0]
	if c.ReadinessProbe == nil || c.LivenessProbe == nil {
		t.Errorf("gatehouse: probes missing")
	}
	if p := c.ReadinessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/readyz" {
		t.Errorf("gatehouse readiness must be /readyz")
	}
	covered := false
	for _, p := range all[*policyv1.PodDisruptionBudget](objs) {
		if p.Spec.Selector != nil && p.Spec.Selector.MatchLabels["app.kubernetes.io/name"] == d.Spec.Template.Labels["app.kubernetes.io/name"] {
			covered = true
		}
	}
	if !covered {
		t.Errorf("gatehouse: no PodDisruptionBudget selects it")
	}

	// SpiceDB through the operator: replicas with dispatch, on PostgreSQL,
	// at the version go.mod pins (the one the tests ran against).
	clusters := all[*spiceDBCluster](objs)
	if len(clusters) != 1 {
		t.Fatalf("want one SpiceDBCluster, got %d", len(clusters))
	}
	sc := clusters[0]
	if sc.Spec.Config.Replicas < 2 || sc.Spec.Config.DatastoreEngine != "postgres" {
		t.Errorf("SpiceDBCluster: replicas %d on %q, want 2+ on postgres", sc.Spec.Config.Replicas, sc.Spec.Config.DatastoreEngine)
	}
	if want := pinnedSpiceDB(t); sc.Spec.Version != want {
		t.Errorf("SpiceDBCluster runs %s, go.mod pins %s", sc.Spec.Version, want)
	}
	if len(deployments) != 1 {
		t.Errorf("SpiceDB is the operator's: no Deployment but Gatehouse's, got %v", slices.Collect(mapsKeys(deployments)))
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// pinnedSpiceDB is the SpiceDB version go.mod requires.
func pinnedSpiceDB(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/authzed/spicedb (v\S+)`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("go.mod does not require github.com/authzed/spicedb")
	}
	return string(m[1])
}

// The namespace enforces the "restricted" Pod Security profile, and every
// pod template passes it (and has a read-only root filesystem): non-root,
// the runtime's seccomp profile, no privilege escalation, every capability
// dropped, nothing of the host's.
func TestKubernetesPodsPassTheRestrictedPodSecurityProfile(t *testing.T) {
	objs := manifests(t, "kubernetes/*.yaml")
	nss := all[*corev1.Namespace](objs)
	if len(nss) != 1 || nss[0].Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("the namespace must enforce the restricted profile (label pod-security.kubernetes.io/enforce=restricted)")
	}
	pods := podTemplates(t, objs)
	if len(pods) < 4 { // gatehouse, gatehouse-migrate, SpiceDB's Deployment and Job
		t.Fatalf("pod templates: %d", len(pods))
	}
	for _, p := range pods {
		s := p.spec
		psc := s.SecurityContext
		if psc == nil {
			psc = &corev1.PodSecurityContext{}
		}
		if s.HostNetwork || s.HostPID || s.HostIPC {
			t.Errorf("%s: uses the host's namespaces", p.name)
		}
		for _, v := range s.Volumes {
			if v.HostPath != nil {
				t.Errorf("%s: hostPath volume %s", p.name, v.Name)
			}
		}
		if psc.RunAsUser != nil && *psc.RunAsUser == 0 {
			t.Errorf("%s: runAsUser 0", p.name)
		}
		if len(s.Containers) == 0 {
			t.Errorf("%s: no containers", p.name)
		}
		for _, c := range append(s.InitContainers, s.Containers...) {
			sc := c.SecurityContext
			if sc == nil {
				t.Errorf("%s/%s: no securityContext", p.name, c.Name)
				continue
			}
			nonRoot := (sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) || (sc.RunAsNonRoot == nil && psc.RunAsNonRoot != nil && *psc.RunAsNonRoot)
			if !nonRoot {
				t.Errorf("%s/%s: runAsNonRoot must be true", p.name, c.Name)
			}
			if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
				t.Errorf("%s/%s: runAsUser 0", p.name, c.Name)
			}
			seccomp := sc.SeccompProfile
			if seccomp == nil {
				seccomp = psc.SeccompProfile
			}
			if seccomp == nil || (seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault && seccomp.Type != corev1.SeccompProfileTypeLocalhost) {
				t.Errorf("%s/%s: seccompProfile must be RuntimeDefault", p.name, c.Name)
			}
			if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("%s/%s: allowPrivilegeEscalation must be false", p.name, c.Name)
			}
			if sc.Privileged != nil && *sc.Privileged {
				t.Errorf("%s/%s: privileged", p.name, c.Name)
			}
			if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
				t.Errorf("%s/%s: capabilities must drop ALL", p.name, c.Name)
			} else {
				for _, add := range sc.Capabilities.Add {
					if add != "NET_BIND_SERVICE" {
						t.Errorf("%s/%s: adds capability %s", p.name, c.Name, add)
					}
				}
			}
			if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
				t.Errorf("%s/%s: readOnlyRootFilesystem must be true", p.name, c.Name)
			}
			for _, port := range c.Ports {
				if port.HostPort != 0 {
					t.Errorf("%s/%s: hostPort %d", p.name, c.Name, port.HostPort)
				}
			}
		}
	}
}

// The long-running pods stop gracefully: a preStop delay lets the
// endpoints forget the pod before it stops accepting, and the grace
// period covers the delay plus Gatehouse's own drain of in-flight requests
// (10 s, app.serve).
func TestKubernetesPodsStopGracefully(t *testing.T) {
	const drain = 10
	for _, p := range podTemplates(t, manifests(t, "kubernetes/*.yaml")) {
		if strings.HasPrefix(p.name, "Job ") || strings.Contains(p.name, "(Job)") {
			continue
		}
		c := p.spec.Containers[0]
		if c.Lifecycle == nil || c.Lifecycle.PreStop == nil {
			t.Errorf("%s: no preStop", p.name)
			continue
		}
		var delay int64
		switch pre := c.Lifecycle.PreStop; {
		case pre.Sleep != nil:
			delay = pre.Sleep.Seconds
		default:
			t.Errorf("%s: preStop must be a sleep (the images have no shell)", p.name)
		}
		if delay <= 0 {
			t.Errorf("%s: preStop delay %d", p.name, delay)
		}
		grace := p.spec.TerminationGracePeriodSeconds
		if grace == nil {
			t.Errorf("%s: no terminationGracePeriodSeconds", p.name)
		} else if *grace <= delay+drain {
			t.Errorf("%s: terminationGracePeriodSeconds %d must exceed the preStop delay %d plus the drain %d", p.name, *grace, delay, drain)
		}
	}
}

var secretish = regexp.MustCompile(`(?i)(key|password|secret|token|database_url|datastore|uri)`)

// secretRef is a (Secret, key) the manifests read; key "" means the
// whole Secret (envFrom).
type secretRef struct{ name, key string }

// Nothing secret is written in the manifests: Secrets are templates in
// kubernetes/secrets/ (not applied with the manifests), every secret-like
// setting comes from a Secret, and every Secret and key the manifests
// read is in the template.
func TestKubernetesSecretsAreTemplatesNotInlineValues(t *testing.T) {
	objs := manifests(t, "kubernetes/*.yaml")
	if s := all[*corev1.Secret](objs); len(s) > 0 {
		t.Errorf("the manifests hold Secret %s: keep Secrets in kubernetes/secrets/ templates", s[0].Name)
	}
	for _, cm := range all[*corev1.ConfigMap](objs) {
		for k := range cm.Data {
			if secretish.MatchString(k) && k != "GATEHOUSE_SPICEDB_TLS_CA" {
				t.Errorf("ConfigMap %s holds %s: secrets belong in a Secret", cm.Name, k)
			}
		}
	}
	var refs []secretRef
	for _, p := range podTemplates(t, objs) {
		for _, c := range p.spec.Containers {
			for _, e := range c.Env {
				if e.Value != "" && secretish.MatchString(e.Name) {
					t.Errorf("%s/%s: %s has an inline value", p.name, c.Name, e.Name)
				}
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					refs = append(refs, secretRef{e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key})
				}
			}
			for _, ef := range c.EnvFrom {
				if ef.SecretRef != nil {
					refs = append(refs, secretRef{ef.SecretRef.Name, ""})
				}
			}
		}
		for _, v := range p.spec.Volumes {
			if v.Secret != nil {
				refs = append(refs, secretRef{v.Secret.SecretName, ""})
				for _, it := range v.Secret.Items {
					refs = append(refs, secretRef{v.Secret.SecretName, it.Key})
				}
			}
		}
	}
	for _, c := range all[*spiceDBCluster](objs) {
		refs = append(refs, secretRef{c.Spec.SecretName, "datastore_uri"}, secretRef{c.Spec.SecretName, "preshared_key"})
		if n := c.Spec.Config.TLSSecretName; n != "" {
			refs = append(refs, secretRef{n, "tls.crt"}, secretRef{n, "tls.key"})
		}
		if n := c.Spec.Config.DispatchUpstreamCASecretName; n != "" {
			refs = append(refs, secretRef{n, c.Spec.Config.DispatchUpstreamCAFilePath})
		}
	}
	templates := map[string]*corev1.Secret{}
	for _, s := range all[*corev1.Secret](manifests(t, "kubernetes/secrets/*.yaml")) {
		templates[s.Name] = s
		for k, v := range s.StringData {
			if !strings.Contains(v, "CHANGE-ME") {
				t.Errorf("template Secret %s key %s has a value that is not a CHANGE-ME placeholder", s.Name, k)
			}
		}
		if len(s.Data) > 0 {
			t.Errorf("template Secret %s: use stringData placeholders", s.Name)
		}
	}
	for _, r := range refs {
		s := templates[r.name]
		if s == nil {
			t.Errorf("Secret %s is read but has no template in kubernetes/secrets/", r.name)
			continue
		}
		if _, ok := s.StringData[r.key]; r.key != "" && !ok {
			t.Errorf("Secret %s: key %s is read but not in its template", r.name, r.key)
		}
	}
	// The envFrom Secret's keys are settings Gatehouse reads.
	known := map[string]bool{}
	for _, v := range config.Vars {
		known[v[0]] = true
	}
	for alias := range config.Aliases {
		known[alias] = true
	}
	for k := range templates["gatehouse"].StringData {
		if !known[k] {
			t.Errorf("Secret gatehouse: %s is not a Gatehouse setting", k)
		}
	}
}

// Gatehouse reaches SpiceDB over TLS: the operator serves gRPC with the
// certificate of tlsSecretName, and Gatehouse verifies it against that
// Secret's ca.crt, mounted where GATEHOUSE_SPICEDB_TLS_CA points, at the
// Service the operator makes; the configuration, read as Gatehouse reads
// it, is TLS.
func TestKubernetesGatehouseDialsSpiceDBOverTLS(t *testing.T) {
	objs := manifests(t, "kubernetes/*.yaml")
	sc := all[*spiceDBCluster](objs)[0]
	tlsSecret := sc.Spec.Config.TLSSecretName
	if tlsSecret == "" {
		t.Fatal("SpiceDBCluster: no tlsSecretName: SpiceDB serves plaintext")
	}
	var cm *corev1.ConfigMap
	for _, c := range all[*corev1.ConfigMap](objs) {
		if c.Name == "gatehouse" {
			cm = c
		}
	}
	if cm == nil {
		t.Fatal("no gatehouse ConfigMap")
	}
	env := map[string]string{"DATABASE_URL": "postgres://u:p@db:5432/gatehouse", "SPICEDB_KEY": "k", "GATEHOUSE_TOKEN_KEY": strings.Repeat("k", 32)}
	for k, v := range cm.Data {
		env[k] = v
	}
	cfg, err := config.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("the ConfigMap as Gatehouse reads it: %v", err)
	}
	if cfg.SpiceDBInsecure || cfg.SpiceDBTLSCA == "" {
		t.Fatalf("Gatehouse dials SpiceDB insecure=%v with CA %q: want TLS with the CA", cfg.SpiceDBInsecure, cfg.SpiceDBTLSCA)
	}
	if want := sc.Name + "." + sc.Namespace + ".svc:50051"; cfg.SpiceDBEndpoint != want {
		t.Errorf("SPICEDB_ENDPOINT=%s, want the operator's Service %s", cfg.SpiceDBEndpoint, want)
	}
	for _, p := range podTemplates(t, objs) {
		if !strings.HasPrefix(p.name, "Deployment gatehouse") && !strings.HasPrefix(p.name, "Job gatehouse") {
			continue
		}
		c := p.spec.Containers[0]
		mounted := false
		for _, m := range c.VolumeMounts {
			if !strings.HasPrefix(cfg.SpiceDBTLSCA, strings.TrimSuffix(m.MountPath, "/")+"/") {
				continue
			}
			for _, v := range p.spec.Volumes {
				if v.Name == m.Name && v.Secret != nil && v.Secret.SecretName == tlsSecret {
					for _, it := range v.Secret.Items {
						if it.Key == "ca.crt" && filepath.Join(m.MountPath, it.Path) == cfg.SpiceDBTLSCA {
							mounted = true
						}
					}
					if len(v.Secret.Items) == 0 {
						t.Errorf("%s: mounts all of %s (its private key too): project ca.crt only", p.name, tlsSecret)
					}
				}
			}
		}
		if !mounted {
			t.Errorf("%s: %s is not the ca.crt of Secret %s", p.name, cfg.SpiceDBTLSCA, tlsSecret)
		}
	}
}

// allows reports whether rule admits traffic from pods labelled from (in
// the policy's namespace) and whether it admits other namespaces or
// addresses at all.
func ruleFrom(rule networkingv1.NetworkPolicyIngressRule, from labels.Set) (podMatch, wide bool) {
	if len(rule.From) == 0 {
		return true, true
	}
	for _, peer := range rule.From {
		if peer.IPBlock != nil || peer.NamespaceSelector != nil {
			wide = true
			continue
		}
		if peer.PodSelector != nil {
			sel, err := metav1.LabelSelectorAsSelector(peer.PodSelector)
			if err == nil && sel.Matches(from) {
				podMatch = true
			}
		}
	}
	return podMatch, wide
}

func rulePorts(rule networkingv1.NetworkPolicyIngressRule) []int32 {
	var ports []int32
	for _, p := range rule.Ports {
		if p.Port != nil {
			ports = append(ports, p.Port.IntVal)
		}
	}
	return ports
}

// NetworkPolicies: nothing reaches the namespace's pods unless allowed;
// SpiceDB's gRPC only from Gatehouse's pods; Gatehouse's HTTP port from
// anywhere; its management port only from the monitoring namespace.
func TestKubernetesNetworkPolicies(t *testing.T) {
	objs := manifests(t, "kubernetes/*.yaml")
	policies := all[*networkingv1.NetworkPolicy](objs)
	defaultDeny := false
	for _, np := range policies {
		if len(np.Spec.PodSelector.MatchLabels) == 0 && len(np.Spec.PodSelector.MatchExpressions) == 0 &&
			slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) && len(np.Spec.Ingress) == 0 {
			defaultDeny = true
		}
	}
	if !defaultDeny {
		t.Error("no default-deny ingress NetworkPolicy")
	}
	selecting := func(pod labels.Set) []*networkingv1.NetworkPolicy {
		var out []*networkingv1.NetworkPolicy
		for _, np := range policies {
			sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
			if err != nil {
				t.Fatal(err)
			}
			if (len(np.Spec.PodSelector.MatchLabels) > 0 || len(np.Spec.PodSelector.MatchExpressions) > 0) && sel.Matches(pod) {
				out = append(out, np)
			}
		}
		return out
	}
	var gatehousePods []labels.Set
	for _, p := range podTemplates(t, objs) {
		if strings.Contains(p.name, " gatehouse") {
			gatehousePods = append(gatehousePods, p.labels)
		}
	}
	if len(gatehousePods) != 2 {
		t.Fatalf("Gatehouse's pod templates (API and migrate): %d", len(gatehousePods))
	}
	stranger := labels.Set{"app.kubernetes.io/name": "something-else"}

	sc := all[*spiceDBCluster](objs)[0]
	spicePolicies := selecting(operatorPodLabels(sc.Name))
	if len(spicePolicies) == 0 {
		t.Fatal("no NetworkPolicy selects SpiceDB's pods")
	}
	grpcFromGatehouse := make([]bool, len(gatehousePods))
	for _, np := range spicePolicies {
		for _, rule := range np.Spec.Ingress {
			if !slices.Contains(rulePorts(rule), 50051) {
				if len(rule.Ports) == 0 {
					t.Errorf("NetworkPolicy %s: a rule for every port of SpiceDB", np.Name)
				}
				continue
			}
			if m, wide := ruleFrom(rule, stranger); m || wide {
				t.Errorf("NetworkPolicy %s: SpiceDB's gRPC is open beyond Gatehouse's pods", np.Name)
			}
			for i, g := range gatehousePods {
				if m, _ := ruleFrom(rule, g); m {
					grpcFromGatehouse[i] = true
				}
			}
		}
	}
	if slices.Contains(grpcFromGatehouse, false) {
		t.Errorf("SpiceDB's gRPC is not open to every Gatehouse pod: %v", grpcFromGatehouse)
	}

	ghPolicies := selecting(gatehousePods[0])
	httpOpen, mgmtMonitoring := false, false
	for _, np := range ghPolicies {
		for _, rule := range np.Spec.Ingress {
			ports := rulePorts(rule)
			if len(ports) == 0 {
				t.Errorf("NetworkPolicy %s: a rule for every port of Gatehouse", np.Name)
			}
			if slices.Contains(ports, 8080) {
				httpOpen = true
			}
			if slices.Contains(ports, 9464) {
				for _, peer := range rule.From {
					if peer.NamespaceSelector == nil || peer.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != "monitoring" || peer.IPBlock != nil {
						t.Errorf("NetworkPolicy %s: the management port is open beyond the monitoring namespace", np.Name)
					}
				}
				if len(rule.From) == 0 {
					t.Errorf("NetworkPolicy %s: the management port is open to everyone", np.Name)
				} else {
					mgmtMonitoring = true
				}
			}
		}
	}
	if !httpOpen || !mgmtMonitoring {
		t.Errorf("Gatehouse: HTTP port open %v, management port from monitoring %v", httpOpen, mgmtMonitoring)
	}
}

// dockerfileVersion is the image tag the Dockerfile's build documents
// (its VERSION).
func dockerfileVersion(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^ARG VERSION=(\S+)$`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("the Dockerfile has no ARG VERSION=...")
	}
	if !strings.Contains(string(raw), "docker build -t gatehouse:"+string(m[1])+" .") {
		t.Errorf("the Dockerfile does not document `docker build -t gatehouse:%s .`", m[1])
	}
	return string(m[1])
}

// The manifests run the image the documented build makes.
func TestKubernetesImageIsTheDockerfileBuild(t *testing.T) {
	want := "gatehouse:" + dockerfileVersion(t)
	for _, p := range podTemplates(t, manifests(t, "kubernetes/*.yaml")) {
		if !strings.Contains(p.name, " gatehouse") {
			continue
		}
		for _, c := range p.spec.Containers {
			if c.Image != want {
				t.Errorf("%s/%s runs %s, the Dockerfile builds %s", p.name, c.Name, c.Image, want)
			}
		}
	}
}

// composeEnv is .env.example with every empty value filled in, as an
// operator does.
func composeEnv(t *testing.T) (path string, values map[string]string, required []string) {
	t.Helper()
	raw, err := os.ReadFile("../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	values = map[string]string{}
	var b strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			if v == "" {
				required = append(required, k)
				v = "test-" + strings.ToLower(strings.ReplaceAll(k, "_", "-")) + "-0123456789abcdef0123456789"
			}
			values[k] = v
			line = k + "=" + v
		}
		b.WriteString(line + "\n")
	}
	path = filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, values, required
}

func loadCompose(t *testing.T, envFiles ...string) (*types.Project, error) {
	t.Helper()
	opts := []cli.ProjectOptionsFn{cli.WithWorkingDirectory(".."), cli.WithName("gatehouse")}
	if len(envFiles) > 0 {
		opts = append(opts, cli.WithEnvFiles(envFiles...), cli.WithDotEnv)
	}
	o, err := cli.NewProjectOptions([]string{"../docker-compose.yaml"}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return o.LoadProject(context.Background())
}

func TestComposeFileRunsSpiceDBMigratedOnPostgresThenGatehouse(t *testing.T) {
	envFile, values, _ := composeEnv(t)
	project, err := loadCompose(t, envFile)
	if err != nil {
		t.Fatalf("compose file: %v", err)
	}
	svc := func(name string) types.ServiceConfig {
		s, err := project.GetService(name)
		if err != nil {
			t.Fatalf("service %s: %v", name, err)
		}
		return s
	}
	if got := strings.Join(svc("spicedb-migrate").Command, " "); got != "migrate head" {
		t.Errorf("spicedb-migrate runs %q", got)
	}
	spice := svc("spicedb")
	if got := strings.Join(spice.Command, " "); got != "serve" {
		t.Errorf("spicedb runs %q", got)
	}
	if *spice.Environment["SPICEDB_DATASTORE_ENGINE"] != "postgres" {
		t.Errorf("spicedb must run on postgres")
	}
	if cond := spice.DependsOn["spicedb-migrate"].Condition; cond != "service_completed_successfully" {
		t.Errorf("spicedb must wait for its migration, got %q", cond)
	}
	if want := "authzed/spicedb:" + pinnedSpiceDB(t); spice.Image != want || svc("spicedb-migrate").Image != want {
		t.Errorf("compose runs %s, go.mod pins %s", spice.Image, want)
	}
	gh := svc("gatehouse")
	if gh.DependsOn["gatehouse-migrate"].Condition != "service_completed_successfully" {
		t.Errorf("gatehouse must wait for gatehouse-migrate")
	}
	for _, key := range []string{"DATABASE_URL", "SPICEDB_ENDPOINT", "SPICEDB_KEY", "GATEHOUSE_TOKEN_KEY"} {
		if v := gh.Environment[key]; v == nil || *v == "" {
			t.Errorf("gatehouse lacks %s", key)
		}
	}
	// The keys and passwords are the env file's, the same on both sides.
	if got := *spice.Environment["SPICEDB_GRPC_PRESHARED_KEY"]; got != values["SPICEDB_KEY"] || *gh.Environment["SPICEDB_KEY"] != got {
		t.Errorf("SpiceDB's key %q and Gatehouse's %q must both be SPICEDB_KEY from the env file", got, *gh.Environment["SPICEDB_KEY"])
	}
	if got := *svc("postgres").Environment["POSTGRES_PASSWORD"]; got != values["POSTGRES_PASSWORD"] || !strings.Contains(*gh.Environment["DATABASE_URL"], ":"+got+"@") {
		t.Errorf("PostgreSQL's password must be POSTGRES_PASSWORD from the env file, in DATABASE_URL too")
	}
	if got := *gh.Environment["GATEHOUSE_TOKEN_KEY"]; got != values["GATEHOUSE_TOKEN_KEY"] {
		t.Errorf("GATEHOUSE_TOKEN_KEY is %q, not the env file's", got)
	}
	// Gatehouse's settings, read as Gatehouse reads them, are valid.
	cfg, err := config.FromEnv(func(k string) string {
		if v := gh.Environment[k]; v != nil {
			return *v
		}
		return ""
	})
	if err == nil {
		err = cfg.ValidateServe()
	}
	if err != nil {
		t.Errorf("gatehouse's environment: %v", err)
	}
	// The image is the Dockerfile's build.
	want := "gatehouse:" + dockerfileVersion(t)
	for _, name := range []string{"gatehouse", "gatehouse-migrate"} {
		if s := svc(name); s.Image != want || s.Build == nil {
			t.Errorf("%s: image %q built here, want %s", name, s.Image, want)
		}
	}
}

// SpiceDB's gRPC is published on the loopback interface only, and no
// service publishes Gatehouse's management port.
func TestComposePublishesSpiceDBOnLoopbackOnly(t *testing.T) {
	envFile, _, _ := composeEnv(t)
	project, err := loadCompose(t, envFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range project.Services {
		for _, p := range s.Ports {
			if p.Target == 9464 {
				t.Errorf("%s publishes the management port", s.Name)
			}
			if s.Name == "spicedb" && p.HostIP != "127.0.0.1" {
				t.Errorf("spicedb publishes %d on %q: loopback only", p.Target, p.HostIP)
			}
			if p.HostIP == "" || p.HostIP == "0.0.0.0" || p.HostIP == "::" {
				t.Errorf("%s publishes %d on every interface by default", s.Name, p.Target)
			}
		}
	}
	raw, err := os.ReadFile("../docker-compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?m)(PASSWORD|_KEY|PRESHARED_KEY): [^$\s]`).Match(raw) {
		t.Error("docker-compose.yaml writes a key or password: take it from the env file")
	}
}

// Without the env file compose refuses to start, naming what is missing;
// each required value of .env.example is required.
func TestComposeRequiresTheSecretsOfTheEnvFile(t *testing.T) {
	if _, err := loadCompose(t); err == nil || !strings.Contains(err.Error(), ".env.example") {
		t.Errorf("compose without an env file: %v (want a required-variable error pointing at .env.example)", err)
	}
	envFile, values, required := composeEnv(t)
	if len(required) < 3 {
		t.Fatalf(".env.example requires %v: want POSTGRES_PASSWORD, SPICEDB_KEY, GATEHOUSE_TOKEN_KEY", required)
	}
	for _, k := range required {
		var b strings.Builder
		for kk, v := range values {
			if kk != k {
				fmt.Fprintf(&b, "%s=%s\n", kk, v)
			}
		}
		path := filepath.Join(filepath.Dir(envFile), "without-"+k)
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := loadCompose(t, path); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("compose without %s: %v (want an error naming it)", k, err)
		}
	}
}

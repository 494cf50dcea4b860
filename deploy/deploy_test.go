package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// decodeStrict decodes a manifest into the Kubernetes API type of its kind,
// refusing unknown fields.
func decodeStrict(t *testing.T, doc []byte) any {
	t.Helper()
	var head metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &head); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	var obj any
	switch head.APIVersion + "/" + head.Kind {
	case "v1/Namespace":
		obj = &corev1.Namespace{}
	case "v1/ConfigMap":
		obj = &corev1.ConfigMap{}
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
	default:
		t.Fatalf("unexpected kind %s %s", head.APIVersion, head.Kind)
	}
	js, err := yaml.YAMLToJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		t.Fatalf("%s: %v", head.Kind, err)
	}
	return obj
}

func TestKubernetesManifestsDecodeStrictlyAndScaleOut(t *testing.T) {
	files, _ := filepath.Glob("kubernetes/*.yaml")
	if len(files) < 2 {
		t.Fatalf("manifests missing: %v", files)
	}
	deployments := map[string]*appsv1.Deployment{}
	var pdbs []*policyv1.PodDisruptionBudget
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range strings.Split(string(raw), "\n---\n") {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			switch o := decodeStrict(t, []byte(doc)).(type) {
			case *appsv1.Deployment:
				deployments[o.Name] = o
			case *policyv1.PodDisruptionBudget:
				pdbs = append(pdbs, o)
			}
		}
	}
	for _, name := range []string{"gatehouse", "spicedb"} {
		d := deployments[name]
		if d == nil {
			t.Fatalf("no %s Deployment", name)
		}
		if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
			t.Errorf("%s: needs at least 2 replicas", name)
		}
		c := d.Spec.Template.Spec.Containers[0]
		if c.ReadinessProbe == nil || c.LivenessProbe == nil {
			t.Errorf("%s: probes missing", name)
		}
		covered := false
		for _, p := range pdbs {
			if p.Spec.Selector != nil && p.Spec.Selector.MatchLabels["app.kubernetes.io/name"] == d.Spec.Template.Labels["app.kubernetes.io/name"] {
				covered = true
			}
		}
		if !covered {
			t.Errorf("%s: no PodDisruptionBudget selects it", name)
		}
	}
	if p := deployments["gatehouse"].Spec.Template.Spec.Containers[0].ReadinessProbe; p.HTTPGet == nil || p.HTTPGet.Path != "/readyz" {
		t.Errorf("gatehouse readiness must be /readyz")
	}
}

func TestComposeFileRunsSpiceDBMigratedOnPostgresThenGatehouse(t *testing.T) {
	ctx := context.Background()
	opts, err := cli.NewProjectOptions([]string{"../docker-compose.yaml"}, cli.WithWorkingDirectory(".."), cli.WithName("gatehouse"))
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(ctx)
	if err != nil {
		t.Fatalf("compose file: %v", err)
	}
	svc := func(name string) []string {
		s, err := project.GetService(name)
		if err != nil {
			t.Fatalf("service %s: %v", name, err)
		}
		return s.Command
	}
	if got := strings.Join(svc("spicedb-migrate"), " "); got != "migrate head" {
		t.Errorf("spicedb-migrate runs %q", got)
	}
	if got := strings.Join(svc("spicedb"), " "); got != "serve" {
		t.Errorf("spicedb runs %q", got)
	}
	spice, _ := project.GetService("spicedb")
	if *spice.Environment["SPICEDB_DATASTORE_ENGINE"] != "postgres" {
		t.Errorf("spicedb must run on postgres")
	}
	if cond := spice.DependsOn["spicedb-migrate"].Condition; cond != "service_completed_successfully" {
		t.Errorf("spicedb must wait for its migration, got %q", cond)
	}
	gh, _ := project.GetService("gatehouse")
	if gh.DependsOn["gatehouse-migrate"].Condition != "service_completed_successfully" {
		t.Errorf("gatehouse must wait for gatehouse-migrate")
	}
	for _, key := range []string{"DATABASE_URL", "SPICEDB_ENDPOINT", "SPICEDB_KEY"} {
		if v := gh.Environment[key]; v == nil || *v == "" {
			t.Errorf("gatehouse lacks %s", key)
		}
	}
	if _, err := project.GetService("postgres"); err != nil {
		t.Error(err)
	}
}

package app_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/devstack"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

// pki is a throwaway CA and a server certificate it signed.
type pki struct {
	caFile, certFile, keyFile string
	pool                      *x509.CertPool
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// newPKI makes a CA and a certificate for hosts, signed by it, in dir.
func newPKI(t *testing.T, dir string, hosts ...string) pki {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gatehouse test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: hosts[0]},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	p := pki{caFile: filepath.Join(dir, "ca.crt"), certFile: filepath.Join(dir, "tls.crt"), keyFile: filepath.Join(dir, "tls.key"), pool: x509.NewCertPool()}
	writePEM(t, p.caFile, "CERTIFICATE", caDER)
	writePEM(t, p.certFile, "CERTIFICATE", der)
	writePEM(t, p.keyFile, "PRIVATE KEY", keyDER)
	p.pool.AddCert(ca)
	return p
}

// startTLSSpiceDB runs `spicedb serve-testing` serving gRPC over TLS with
// p's certificate, and waits until it answers its health check over TLS.
func startTLSSpiceDB(t *testing.T, p pki) string {
	t.Helper()
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var logs bytes.Buffer
	cmd := exec.Command(spicedbBin(t), "serve-testing", "--grpc-addr", addr,
		"--grpc-tls-cert-path", p.certFile, "--grpc-tls-key-path", p.keyFile,
		"--readonly-grpc-enabled=false", "--http-enabled=false", "--skip-release-check", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	})
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: p.pool})))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	eventually(t, "SpiceDB serves gRPC over TLS", func() error {
		select {
		case <-exited:
			t.Fatalf("spicedb exited:\n%s", logs.String())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "authzed.api.v1.SchemaService"})
		if err != nil {
			return err
		}
		if resp.Status != healthpb.HealthCheckResponse_SERVING {
			return fmt.Errorf("status %s", resp.Status)
		}
		return nil
	})
	return addr
}

// Gatehouse dials a SpiceDB that serves gRPC over TLS, verifying its
// certificate against GATEHOUSE_SPICEDB_TLS_CA (also --spicedb-tls-ca):
// migrate and reconcile work through it. Without the CA (the system CAs)
// or with another CA the certificate is refused; a CA together with
// SPICEDB_INSECURE=true, or a file that is no PEM certificate, is refused
// at start in one line.
func TestSpiceDBOverTLSWithACA(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := newPKI(t, dir, "127.0.0.1", "localhost")
	addr := startTLSSpiceDB(t, p)
	cfg := testenv.Config(t)
	env := map[string]string{
		"DATABASE_URL": cfg.DatabaseURL, "SPICEDB_ENDPOINT": addr, "SPICEDB_KEY": "tls-test-key",
		"GATEHOUSE_SPICEDB_TLS_CA": p.caFile, "GATEHOUSE_SPICEDB_TIMEOUT": "1m",
	}
	run := func(over map[string]string, args ...string) (string, error) {
		var out bytes.Buffer
		e := mergeEnv(env, over)
		err := app.Run(context.Background(), args, func(k string) string { return e[k] }, &out, &out)
		return out.String(), err
	}
	if out, err := run(nil, "migrate"); err != nil || !strings.Contains(out, "migrated") {
		t.Fatalf("migrate over TLS: %v\n%s", err, out)
	}
	if out, err := run(nil, "reconcile", "--dry-run"); err != nil || !strings.Contains(out, "no drift") {
		t.Fatalf("reconcile over TLS: %v\n%s", err, out)
	}
	// The flag works as the variable does.
	if out, err := run(map[string]string{"GATEHOUSE_SPICEDB_TLS_CA": ""}, "reconcile", "--dry-run", "--spicedb-tls-ca", p.caFile); err != nil || !strings.Contains(out, "no drift") {
		t.Fatalf("reconcile with --spicedb-tls-ca: %v\n%s", err, out)
	}

	// Another CA: the certificate does not verify.
	other := newPKI(t, t.TempDir(), "127.0.0.1")
	if _, err := run(map[string]string{"GATEHOUSE_SPICEDB_TLS_CA": other.caFile}, "migrate"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("migrate with another CA: %v (want a certificate error)", err)
	}
	// No CA on a loopback endpoint: plaintext by default, which a TLS
	// server does not answer.
	if _, err := run(map[string]string{"GATEHOUSE_SPICEDB_TLS_CA": ""}, "migrate"); err == nil {
		t.Errorf("migrate in plaintext against a TLS SpiceDB succeeded")
	}
	// TLS with the system CAs: the test CA is not one of them.
	if _, err := run(map[string]string{"GATEHOUSE_SPICEDB_TLS_CA": "", "SPICEDB_INSECURE": "false"}, "migrate"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("migrate with the system CAs: %v (want a certificate error)", err)
	}
	// Contradictory or broken settings stop the start, each in one line.
	for _, tc := range []struct {
		over map[string]string
		want string
	}{
		{map[string]string{"SPICEDB_INSECURE": "true"}, "SPICEDB_INSECURE=true and GATEHOUSE_SPICEDB_TLS_CA contradict"},
		{map[string]string{"GATEHOUSE_SPICEDB_TLS_CA": p.keyFile}, "holds no PEM certificate"},
		{map[string]string{"GATEHOUSE_SPICEDB_TLS_CA": filepath.Join(dir, "missing.crt")}, "GATEHOUSE_SPICEDB_TLS_CA=" + filepath.Join(dir, "missing.crt") + ": cannot read it"},
	} {
		_, err := run(tc.over, "serve")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve with %v: %v (want %q)", tc.over, err, tc.want)
		}
	}
	var help bytes.Buffer
	if err := app.Run(context.Background(), []string{"serve", "--help"}, func(string) string { return "" }, &help, &help); err != nil || !strings.Contains(help.String(), "--spicedb-tls-ca") {
		t.Errorf("serve --help does not document --spicedb-tls-ca: %v", err)
	}
}

// Command openapi writes internal/httpapi/openapi.json, the OpenAPI
// document generated from the API's route table and Go types
// (package internal/httpapi/openapi). Run from the repository root:
//
//	go run ./scripts/openapi
package main

import (
	"fmt"
	"os"

	"github.com/gatehouse/gatehouse/internal/httpapi"
)

func main() {
	out := "internal/httpapi/openapi.json"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	doc, err := httpapi.OpenAPI()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(out, doc, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

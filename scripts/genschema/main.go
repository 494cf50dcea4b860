// Command genschema writes schema/schema.zed from schema.Generate.
package main

import (
	"fmt"
	"os"

	"github.com/gatehouse/gatehouse/schema"
)

func main() {
	if err := os.WriteFile("schema/schema.zed", []byte(schema.Generate()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "genschema:", err)
		os.Exit(1)
	}
}

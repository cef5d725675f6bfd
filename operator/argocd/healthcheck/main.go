// Command healthcheck runs the Argo CD health checks of operator/argocd/resource_customizations
// the way Argo CD does: gopher-lua (the Lua engine Argo CD embeds), the object as the global
// `obj`, only the libraries Argo CD opens for checks configured in argocd-cm, a one-second
// limit, and a returned table {status, message}.
//
//	healthcheck test DIR              run every health_test.yaml case under DIR
//	healthcheck eval DIR FILE...      print the health of each object (YAML or JSON, lists too)
//	healthcheck argocd-cm DIR         print the argocd-cm ConfigMap that installs the checks
//
// test prints one line per case and "N passed, M failed"; it fails when a case fails or none ran.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 3 {
		usage()
	}
	dir := os.Args[2]
	var err error
	switch os.Args[1] {
	case "test":
		err = runTests(dir, os.Stdout)
	case "eval":
		err = evalFiles(dir, os.Args[3:], os.Stdout)
	case "argocd-cm":
		err = writeConfigMap(dir, os.Stdout)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: healthcheck test DIR | eval DIR FILE... | argocd-cm DIR")
	os.Exit(2)
}

// Command etcd is the etcd server whose client library the required Kubernetes version uses
// (go.mod pins go.etcd.io/etcd/server/v3 to that client's version). The e2e harness runs it as
// kube-apiserver's store.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}

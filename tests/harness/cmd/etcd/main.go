// Command etcd is upstream's etcd server (the version k8s.io/apiserver
// selects), the storage behind the test cluster's kube-apiserver. Debian's
// etcd 3.4.23 is below what kube-apiserver 1.37 supports.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}

package e2e

import (
	"fmt"
	"net"
	"net/url"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/apiserver/pkg/storage/storagebackend"
)

// Etcd is a single-member etcd running in this process.
type Etcd struct {
	server *embed.Etcd
	// URL is the client URL (http on 127.0.0.1).
	URL string
}

// StartEtcd starts etcd with its data in dir, listening on free loopback
// ports only, and waits until it serves. fsync is off: the data lives as long
// as the test.
func StartEtcd(dir string) (*Etcd, error) {
	client, err := freeLoopbackURL()
	if err != nil {
		return nil, err
	}
	peer, err := freeLoopbackURL()
	if err != nil {
		return nil, err
	}
	cfg := embed.NewConfig()
	cfg.Name = "e2e"
	cfg.Dir = dir
	cfg.ListenClientUrls = []url.URL{*client}
	cfg.AdvertiseClientUrls = []url.URL{*client}
	cfg.ListenPeerUrls = []url.URL{*peer}
	cfg.AdvertisePeerUrls = []url.URL{*peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.LogLevel = "error"
	cfg.UnsafeNoFsync = true
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("starting etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("etcd failed: %w", err)
	case <-time.After(time.Minute):
		e.Close()
		return nil, fmt.Errorf("etcd not ready after a minute")
	}
	return &Etcd{server: e, URL: client.String()}, nil
}

// StorageConfig is the kube-apiserver storage configuration for this etcd,
// with its keys under prefix.
func (e *Etcd) StorageConfig(prefix string) *storagebackend.Config {
	cfg := storagebackend.NewDefaultConfig(prefix, nil)
	cfg.Transport.ServerList = []string{e.URL}
	return cfg
}

// Close stops etcd.
func (e *Etcd) Close() { e.server.Close() }

// freeLoopbackURL is http://127.0.0.1:PORT for a port free right now.
func freeLoopbackURL() (*url.URL, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	return &url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", port)}, nil
}

// FreePort is a TCP port on 127.0.0.1 that was free when asked.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

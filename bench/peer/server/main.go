// The peer server: containerd's Go ttrpc (Debian's 1.1.1) serving benchpeer.v1.Echo/Echo (the
// request's bytes back) and grpc.health.v1.Health/Check (SERVING, the same frames as cartd's).
//
// Usage: peer-server -socket PATH
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/containerd/ttrpc"

	peerv1 "cartsync.local/benchpeer/gen/benchpeer/v1"
	healthv1 "cartsync.local/benchpeer/gen/grpc/health/v1"
)

func main() {
	socket := flag.String("socket", "", "the Unix socket to listen on")
	flag.Parse()
	if *socket == "" {
		fmt.Fprintln(os.Stderr, "peer-server: -socket is required")
		os.Exit(2)
	}
	os.Remove(*socket)
	listener, err := net.Listen("unix", *socket)
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer-server:", err)
		os.Exit(1)
	}
	server, err := ttrpc.NewServer()
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer-server:", err)
		os.Exit(1)
	}
	server.Register("benchpeer.v1.Echo", map[string]ttrpc.Method{
		"Echo": func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			var request peerv1.EchoMessage
			if err := unmarshal(&request); err != nil {
				return nil, err
			}
			return &peerv1.EchoMessage{Payload: request.Payload}, nil
		},
	})
	server.Register("grpc.health.v1.Health", map[string]ttrpc.Method{
		"Check": func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			var request healthv1.HealthCheckRequest
			if err := unmarshal(&request); err != nil {
				return nil, err
			}
			return &healthv1.HealthCheckResponse{Status: healthv1.HealthCheckResponse_SERVING}, nil
		},
	})
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		server.Close()
		os.Remove(*socket)
		os.Exit(0)
	}()
	if err := server.Serve(context.Background(), listener); err != nil && err != ttrpc.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "peer-server:", err)
		os.Exit(1)
	}
}

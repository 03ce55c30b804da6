// The peer client: a closed-loop load generator on containerd's Go ttrpc client (Debian's 1.1.1).
// C connections × W goroutines each keep one call in flight; latencies are taken with Go's monotonic
// clock and only calls that start after the warm-up and end before the deadline count.
//
// Usage: peer-client -socket PATH -target echo|health|get-cart [-token JWT] [-conns C] [-inflight W]
//
//	[-duration 10s] [-warmup 2s] [-size 100] [-label NAME] [-server-pid PID]
//
// Prints one JSON object: calls/s, p50/p90/p99/p99.9 in µs, errors.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/containerd/ttrpc"

	cartv1 "cartsync.local/benchpeer/gen/cart/v1"
	peerv1 "cartsync.local/benchpeer/gen/benchpeer/v1"
	healthv1 "cartsync.local/benchpeer/gen/grpc/health/v1"
)

type result struct {
	Label          string  `json:"label"`
	Target         string  `json:"target"`
	Connections    int     `json:"connections"`
	InFlight       int     `json:"in_flight"`
	Calls          int     `json:"calls"`
	Seconds        float64 `json:"seconds"`
	CallsPerSecond float64 `json:"calls_per_second"`
	P50Us          float64 `json:"p50_us"`
	P90Us          float64 `json:"p90_us"`
	P99Us          float64 `json:"p99_us"`
	P999Us         float64 `json:"p999_us"`
	Errors         int     `json:"errors"`
	FirstError     string  `json:"first_error,omitempty"`
	PayloadBytes   int     `json:"payload_bytes,omitempty"`
	GoMaxProcs     int     `json:"gomaxprocs"`
	// CPU time per measured call over the measured window: this client's, and the server's when
	// -server-pid names it (utime+stime from /proc).
	ClientCPUUsPerCall float64  `json:"client_cpu_us_per_call"`
	ServerCPUUsPerCall *float64 `json:"server_cpu_us_per_call,omitempty"`
}

// selfCPU is this process's user+system CPU time.
func selfCPU() time.Duration {
	var usage syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &usage) != nil {
		return 0
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

// processCPU is the user+system CPU time of process pid, from /proc/PID/stat (clock ticks of 10 ms).
func processCPU(pid int) (time.Duration, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(fields) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, true
}

func main() {
	socket := flag.String("socket", "", "the server's Unix socket")
	target := flag.String("target", "echo", "echo (benchpeer.v1.Echo/Echo), health (grpc.health.v1.Health/Check) or get-cart (cart.v1.CartService/GetCart)")
	token := flag.String("token", "", "JWT for get-cart")
	conns := flag.Int("conns", 1, "connections")
	inflight := flag.Int("inflight", 1, "calls in flight per connection")
	duration := flag.Duration("duration", 10*time.Second, "measured time")
	warmup := flag.Duration("warmup", 2*time.Second, "warm-up before measuring")
	size := flag.Int("size", 100, "echo payload bytes")
	label := flag.String("label", "", "a name for the result")
	serverPID := flag.Int("server-pid", 0, "the server's pid, to report its CPU time per call")
	flag.Parse()

	payload := make([]byte, *size)
	rand.Read(payload)
	ctx := context.Background()
	if *token != "" {
		md := ttrpc.MD{}
		md.Set("authorization", "Bearer "+*token)
		ctx = ttrpc.WithMetadata(ctx, md)
	}
	call := func(client *ttrpc.Client) error {
		switch *target {
		case "echo":
			var response peerv1.EchoMessage
			return client.Call(ctx, "benchpeer.v1.Echo", "Echo", &peerv1.EchoMessage{Payload: payload}, &response)
		case "health":
			var response healthv1.HealthCheckResponse
			return client.Call(ctx, "grpc.health.v1.Health", "Check", &healthv1.HealthCheckRequest{}, &response)
		case "get-cart":
			var response cartv1.Cart
			if err := client.Call(ctx, "cart.v1.CartService", "GetCart", &cartv1.GetCartRequest{}, &response); err != nil {
				return err
			}
			if len(response.Items) != 5 {
				return fmt.Errorf("the cart has %d lines, want 5", len(response.Items))
			}
			return nil
		}
		return fmt.Errorf("unknown target %q", *target)
	}

	var clients []*ttrpc.Client
	for i := 0; i < *conns; i++ {
		conn, err := net.Dial("unix", *socket)
		if err != nil {
			fmt.Fprintln(os.Stderr, "peer-client:", err)
			os.Exit(1)
		}
		clients = append(clients, ttrpc.NewClient(conn))
	}
	start := time.Now().Add(*warmup)
	end := start.Add(*duration)
	var mutex sync.Mutex
	var all []time.Duration
	errors := 0
	firstError := ""
	var group sync.WaitGroup
	// CPU over the measured window, read at its start and end.
	var clientCPU time.Duration
	var serverCPU *time.Duration
	cpuDone := make(chan struct{})
	go func() {
		defer close(cpuDone)
		time.Sleep(time.Until(start))
		clientBefore := selfCPU()
		serverBefore, serverOK := processCPU(*serverPID)
		time.Sleep(time.Until(end))
		clientCPU = selfCPU() - clientBefore
		if serverAfter, ok := processCPU(*serverPID); ok && serverOK && *serverPID > 0 {
			used := serverAfter - serverBefore
			serverCPU = &used
		}
	}()
	for _, client := range clients {
		for w := 0; w < *inflight; w++ {
			group.Add(1)
			go func(client *ttrpc.Client) {
				defer group.Done()
				local := make([]time.Duration, 0, 1<<16)
				localErrors := 0
				var localFirst string
				for {
					began := time.Now()
					if !began.Before(end) || localErrors >= 100 {
						break
					}
					err := call(client)
					finished := time.Now()
					if err != nil {
						localErrors++
						if localFirst == "" {
							localFirst = err.Error()
						}
						continue
					}
					if !began.Before(start) && !finished.After(end) {
						local = append(local, finished.Sub(began))
					}
				}
				mutex.Lock()
				all = append(all, local...)
				errors += localErrors
				if firstError == "" {
					firstError = localFirst
				}
				mutex.Unlock()
			}(client)
		}
	}
	group.Wait()
	<-cpuDone
	for _, client := range clients {
		client.Close()
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	percentile := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		index := int(p / 100 * float64(len(all)))
		if index >= len(all) {
			index = len(all) - 1
		}
		return float64(all[index].Nanoseconds()) / 1000
	}
	out := result{
		Label: *label, Target: *target, Connections: *conns, InFlight: *inflight, Calls: len(all),
		Seconds: duration.Seconds(), CallsPerSecond: float64(len(all)) / duration.Seconds(),
		P50Us: percentile(50), P90Us: percentile(90), P99Us: percentile(99), P999Us: percentile(99.9),
		Errors: errors, FirstError: firstError, GoMaxProcs: runtimeMaxProcs(),
	}
	if *target == "echo" {
		out.PayloadBytes = *size
	}
	if calls := float64(len(all)); calls > 0 {
		out.ClientCPUUsPerCall = float64(clientCPU.Nanoseconds()) / 1000 / calls
		if serverCPU != nil {
			perCall := float64(serverCPU.Nanoseconds()) / 1000 / calls
			out.ServerCPUUsPerCall = &perCall
		}
	}
	json.NewEncoder(os.Stdout).Encode(out)
	if errors > 0 {
		os.Exit(1)
	}
}

// Interop checks: containerd's Go ttrpc client (Debian's 1.1.1) against a running cartd.
//
// Usage: interop -socket PATH [-token JWT]
// Exits 0 when every check passes; prints one line per check.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/containerd/ttrpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	cartv1 "cartsync.local/interop/gen/cart/v1"
	testingv1 "cartsync.local/interop/gen/cartsync/testing/v1"
	healthv1 "cartsync.local/interop/gen/grpc/health/v1"
)

var failures int

func check(name string, err error) {
	if err != nil {
		failures++
		fmt.Printf("FAIL %s: %v\n", name, err)
		return
	}
	fmt.Printf("ok   %s\n", name)
}

func dial(socket string, opts ...ttrpc.ClientOpts) *ttrpc.Client {
	conn, err := net.Dial("unix", socket)
	if err != nil {
		fmt.Printf("FAIL connect: %v\n", err)
		os.Exit(1)
	}
	return ttrpc.NewClient(conn, opts...)
}

// expectCode checks that err is a ttrpc status with the given code.
func expectCode(err error, want codes.Code) error {
	if err == nil {
		return fmt.Errorf("call succeeded, want %v", want)
	}
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("error %v is not a status, want %v", err, want)
	}
	if st.Code() != want {
		return fmt.Errorf("code %v (%q), want %v", st.Code(), st.Message(), want)
	}
	return nil
}

// withServerTimeout sends the given timeout_nano but does not enforce it locally, so the
// answer proves the server's own deadline enforcement.
func withServerTimeout(nanos int64) ttrpc.ClientOpts {
	return ttrpc.WithUnaryClientInterceptor(func(ctx context.Context, req *ttrpc.Request, resp *ttrpc.Response,
		_ *ttrpc.UnaryClientInfo, invoker ttrpc.Invoker) error {
		req.TimeoutNano = nanos
		return invoker(ctx, req, resp)
	})
}

func health(ctx context.Context, client *ttrpc.Client) error {
	var resp healthv1.HealthCheckResponse
	if err := client.Call(ctx, "grpc.health.v1.Health", "Check", &healthv1.HealthCheckRequest{}, &resp); err != nil {
		return err
	}
	if resp.Status != healthv1.HealthCheckResponse_SERVING {
		return fmt.Errorf("status %v, want SERVING", resp.Status)
	}
	return nil
}

func main() {
	socket := flag.String("socket", "", "cartd's socket")
	token := flag.String("token", "", "a JWT for the cart checks (skipped when empty)")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	client := dial(*socket)
	defer client.Close()

	check("Health/Check answers SERVING", health(ctx, client))

	var empty healthv1.HealthCheckResponse
	err := client.Call(ctx, "grpc.health.v1.Health", "NoSuchMethod", &healthv1.HealthCheckRequest{}, &empty)
	check("unknown method is UNIMPLEMENTED", expectCode(err, codes.Unimplemented))
	err = client.Call(ctx, "no.such.Service", "Check", &healthv1.HealthCheckRequest{}, &empty)
	check("unknown service is UNIMPLEMENTED", expectCode(err, codes.Unimplemented))

	// A 2 ms deadline on a call that needs 1 s: the server must answer DEADLINE_EXCEEDED.
	slow := dial(*socket, withServerTimeout(int64(2*time.Millisecond)))
	started := time.Now()
	var slept testingv1.SleepResponse
	err = slow.Call(context.Background(), "cartsync.testing.v1.TestService", "Sleep",
		&testingv1.SleepRequest{DurationMs: 1000}, &slept)
	check("a 2 ms deadline on a 1 s call is DEADLINE_EXCEEDED", expectCode(err, codes.DeadlineExceeded))
	if time.Since(started) > 500*time.Millisecond {
		check("DEADLINE_EXCEEDED arrives at the deadline", fmt.Errorf("took %v", time.Since(started)))
	}
	slow.Close()

	// The Go client's own 2 ms context deadline ends the call too (locally or by the server's status).
	short, shortCancel := context.WithTimeout(ctx, 2*time.Millisecond)
	err = client.Call(short, "cartsync.testing.v1.TestService", "Sleep", &testingv1.SleepRequest{DurationMs: 1000}, &slept)
	shortCancel()
	if err == context.DeadlineExceeded {
		err = nil
	} else {
		err = expectCode(err, codes.DeadlineExceeded)
	}
	check("a context deadline of 2 ms ends the call", err)

	// A deadline already spent when the call is sent.
	spent := dial(*socket, withServerTimeout(-1))
	err = spent.Call(context.Background(), "grpc.health.v1.Health", "Check", &healthv1.HealthCheckRequest{}, &empty)
	check("a deadline already spent is DEADLINE_EXCEEDED", expectCode(err, codes.DeadlineExceeded))
	spent.Close()

	// 5 MiB request: RESOURCE_EXHAUSTED, and the same connection still answers.
	var echo testingv1.EchoResponse
	err = client.Call(ctx, "cartsync.testing.v1.TestService", "Echo",
		&testingv1.EchoRequest{Data: bytes.Repeat([]byte{'x'}, 5<<20)}, &echo)
	check("a 5 MiB request is RESOURCE_EXHAUSTED", expectCode(err, codes.ResourceExhausted))
	check("the same connection answers Health after it", health(ctx, client))

	// Concurrency: many calls in flight on one connection, answered by stream id.
	errs := make(chan error, 64)
	for i := 0; i < 64; i++ {
		go func(i int) {
			var resp testingv1.EchoResponse
			payload := []byte(fmt.Sprintf("call-%d", i))
			if err := client.Call(ctx, "cartsync.testing.v1.TestService", "Echo", &testingv1.EchoRequest{Data: payload}, &resp); err != nil {
				errs <- err
				return
			}
			if !bytes.Equal(resp.Data, payload) {
				errs <- fmt.Errorf("call %d got %q", i, resp.Data)
				return
			}
			errs <- nil
		}(i)
	}
	var concurrent error
	for i := 0; i < 64; i++ {
		if err := <-errs; err != nil && concurrent == nil {
			concurrent = err
		}
	}
	check("64 concurrent calls on one connection", concurrent)

	if *token != "" {
		md := ttrpc.MD{}
		md.Set("authorization", "Bearer "+*token)
		authed := ttrpc.WithMetadata(ctx, md)
		var cart cartv1.Cart
		err = client.Call(authed, "cart.v1.CartService", "GetCart", &cartv1.GetCartRequest{}, &cart)
		if err == nil && cart.Id == "" {
			err = fmt.Errorf("empty cart id")
		}
		check("GetCart with a bearer token returns the caller's cart", err)
		var added cartv1.Cart
		err = client.Call(authed, "cart.v1.CartService", "AddItem",
			&cartv1.AddItemRequest{ProductId: "tee-classic", VariantId: "tee-classic-m", Quantity: 2}, &added)
		if err == nil && (added.TotalItems < 2 || added.TotalPrice == nil || added.TotalPrice.AmountMinor <= 0) {
			err = fmt.Errorf("unexpected cart after AddItem: %+v", added)
		}
		check("AddItem returns the priced cart", err)
		err = client.Call(ctx, "cart.v1.CartService", "GetCart", &cartv1.GetCartRequest{}, &cart)
		check("GetCart without a token is UNAUTHENTICATED", expectCode(err, codes.Unauthenticated))
	}

	if failures > 0 {
		fmt.Printf("%d interop check(s) failed\n", failures)
		os.Exit(1)
	}
	fmt.Println("all interop checks passed")
}

package main

import "runtime"

func runtimeMaxProcs() int { return runtime.GOMAXPROCS(0) }

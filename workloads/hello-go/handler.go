// hello-go: the Go port of workloads/hello (same fixtures, same bytes). The baseline: latency and
// memory are the packaging's own cost, here with the Go runtime inside.
package handler

import "edge-pop-lab/workloads/go/edge"

// bodyLimitBytes is the largest request body accepted: none. Mirrors workload.json.
const bodyLimitBytes = 0

func Handle(req *edge.Request) *edge.Response {
	if req.Method != "GET" {
		return edge.Text(405, "method not allowed\n").Set("allow", "GET")
	}
	if len(req.Body) > bodyLimitBytes {
		return edge.Text(413, "body too large\n")
	}
	return edge.Text(200, "hello from edge-pop-lab\n")
}

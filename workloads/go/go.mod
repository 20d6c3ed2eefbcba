module edge-pop-lab/workloads/go

go 1.24

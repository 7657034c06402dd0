#!/usr/bin/python3
"""PyTorch DistributedDataParallel on W3, the reference for bench/ddp_bench.cpp.

MLP 784->1024->1024->1 (ReLU), global batch 512 split evenly between ranks, BCE-with-logits,
Adam lr 1e-3, gloo backend, 1 thread per rank. Prints one line like ddp_bench's: the median ms
per step over the repetitions, and the same step under ddp.no_sync() (no all-reduce), whose
difference is what synchronisation costs. Run with Debian's python3-torch:
  /usr/bin/python3 bench/ddp_torch.py --ranks 2
"""
import argparse
import os
import statistics
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel as DDP


def timed(step, steps, repeats):
    times = []
    for _ in range(repeats):
        dist.barrier()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        dist.barrier()
        times.append((time.perf_counter() - start) * 1e3 / steps)
    return statistics.median(times), min(times)


def worker(rank, args):
    torch.set_num_threads(args.threads)
    dist.init_process_group("gloo", rank=rank, world_size=args.ranks)
    torch.manual_seed(1234)
    model = torch.nn.Sequential(torch.nn.Linear(784, 1024), torch.nn.ReLU(), torch.nn.Linear(1024, 1024),
                                torch.nn.ReLU(), torch.nn.Linear(1024, 1))
    x = torch.randn(args.batch, 784)
    y = torch.randint(0, 2, (args.batch, 1)).float()
    local = args.batch // args.ranks
    x, y = x[rank * local:(rank + 1) * local].contiguous(), y[rank * local:(rank + 1) * local].contiguous()
    ddp = DDP(model)
    optimizer = torch.optim.Adam(ddp.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def step():
        optimizer.zero_grad()
        loss_fn(ddp(x), y).backward()
        optimizer.step()

    def step_no_sync():
        with ddp.no_sync():
            step()

    for _ in range(args.warmup):
        step()
    median, best = timed(step, args.steps, args.repeats)
    no_sync, _ = timed(step_no_sync, args.steps, args.repeats)
    if rank == 0:
        print(f"impl=torch_ddp ranks={args.ranks} threads={args.threads} global_batch={args.batch} "
              f"ms_per_step={median:.2f} best={best:.2f} no_sync_ms_per_step={no_sync:.2f} torch={torch.__version__}",
              flush=True)
    dist.destroy_process_group()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--port", type=int, default=29517)
    args = parser.parse_args()
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", str(args.port))
    mp.spawn(worker, args=(args,), nprocs=args.ranks)


if __name__ == "__main__":
    main()

"""Train the book's DCGAN on every GPU (or CPU process) torchrun starts.

    torchrun --standalone --nproc-per-node=4 book/scripts/train_ddp.py --steps 2000

Each process joins the group torchrun describes, keeps its shard of the digits on its
device, and trains with DDP; rank 0 prints the log and writes the checkpoint.
"""

import argparse

import torch

from ganlib import data, distributed, nets, train


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--batch-size", type=int, default=256)  # global batch
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--checkpoint", default="dcgan_ddp.pt")
    args = p.parse_args(argv)

    env = distributed.init_from_env()  # rank, world size, device
    images, _ = data.load_mnist("train", source="shipped")
    real = distributed.shard(images, env.rank, env.world_size)
    torch.manual_seed(0)  # DDP copies rank 0's weights anyway
    G = nets.init_dcgan_weights(nets.DCGANGenerator(64, width=args.width))
    D = nets.init_dcgan_weights(nets.DCGANDiscriminator(width=args.width))
    config = train.TrainConfig(
        steps=args.steps, z_dim=64, batch_size=args.batch_size,
        log_every=max(1, args.steps // 10),
    )
    history = distributed.train_gan_ddp(
        G, D, real, config, env,
        sync_batchnorm=env.device.type == "cuda",  # GPUs only
        checkpoint=args.checkpoint,
    )
    if env.is_main:
        log = history.log
        for step, d, g in zip(log["step"], log["d_loss"], log["g_loss"]):
            print(f"step {step:6d}   L_D {d:.3f}   L_G {g:.3f}")
        print(f"{env.world_size} process(es), {history.seconds:.1f} s")
    distributed.cleanup(env)


if __name__ == "__main__":
    main()

#pragma once
/// What a test sets on the CUDA kernel emulator (cuda_emulator.h) without pulling in the
/// emulated built-ins: the thread schedule.

namespace tz::cuda_emu {

/// Order in which the threads of a block are resumed: forward (0..n-1 each round, the default),
/// reverse, or warp_greedy (one warp runs until it waits for the others, then the next; this
/// exposes a shared-memory write that another warp's earlier read was not protected from).
enum class Schedule { forward, reverse, warp_greedy };
void set_schedule(Schedule s);

}  // namespace tz::cuda_emu

// A deliberately broken job for CTest: the last rank builds its hidden layer one unit wider.
// DistributedDataParallel must end it with an error naming that rank, within seconds.
#include <cstdio>
#include <exception>

#include <xtgrad/distributed/distributed.hpp>
#include <xtgrad/xtgrad.hpp>

using namespace xtgrad;

int main() {
  ProcessGroup group;
  std::size_t hidden = group.rank() == group.world_size() - 1 ? 17 : 16;
  Sequential model{std::make_shared<Linear>(4, hidden), std::make_shared<ReLU>(), std::make_shared<Linear>(hidden, 1)};
  try {
    DistributedDataParallel ddp(group, model);
  } catch (const std::exception& e) {
    if (group.is_root()) std::fprintf(stderr, "%s\n", e.what());
    return 1;  // every rank gets here: the group finalises MPI cleanly
  }
  std::fprintf(stderr, "%s: the mismatch was not detected\n", group.describe().c_str());
  return 0;
}

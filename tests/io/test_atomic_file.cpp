// The atomic writer: the permissions a saved file gets, symbolic links, and the streaming writer.
#include <sys/stat.h>
#include <unistd.h>

#include "support/temp_dir.hpp"
#include "support/testing.hpp"
#include "xtgrad/io.hpp"
#include "xtgrad/io/detail/atomic_file.hpp"

using namespace xtgrad;
using namespace xtgrad::testing;

namespace {

mode_t mode_of(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

/// Sets the process's umask for one scope (the test binary runs one case per process).
class UmaskScope {
 public:
  explicit UmaskScope(mode_t mask) : old_(::umask(mask)) {}
  ~UmaskScope() { ::umask(old_); }

 private:
  mode_t old_;
};

bool is_temp_file(const std::filesystem::path& p) { return p.filename().string().find(".tmp.") != std::string::npos; }

std::size_t temp_files(const std::filesystem::path& folder) {
  std::size_t n = 0;
  for (auto& entry : std::filesystem::directory_iterator(folder)) n += is_temp_file(entry.path());
  return n;
}

}  // namespace

TEST_CASE("atomic file: a new file gets 0666 minus the umask, as open() would give it") {
  TempDir dir;
  for (mode_t mask : {mode_t{022}, mode_t{077}, mode_t{0}, mode_t{027}}) {
    CAPTURE(mask);
    UmaskScope umask_scope(mask);
    std::string path = dir.file("new-" + std::to_string(mask) + ".json");
    write_file_atomically(path, "{}\n");
    CHECK(mode_of(path) == (0666 & ~mask));
    CHECK(read_text(path) == "{}\n");
  }
  CHECK(temp_files(dir.path()) == 0);
}

TEST_CASE("atomic file: replacing a file keeps its mode, whatever the umask") {
  TempDir dir;
  std::string path = dir.write("private.json", "old");
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
  {
    UmaskScope umask_scope(022);
    write_file_atomically(path, "new");
  }
  CHECK(mode_of(path) == 0600);
  CHECK(read_text(path) == "new");

  // Wider than the umask allows for new files: kept all the same (the owner chose it).
  REQUIRE(::chmod(path.c_str(), 0664) == 0);
  {
    UmaskScope umask_scope(077);
    write_file_atomically(path, "newer");
  }
  CHECK(mode_of(path) == 0664);
  // A weights file saved by the library with umask 077 and then saved again stays private.
  {
    UmaskScope umask_scope(077);
    Sequential model{std::make_shared<Linear>(2, 1)};
    save_weights(model, dir.file("w.json"));
    CHECK(mode_of(dir.file("w.json")) == 0600);
    save_weights(model, dir.file("w.json"));
    CHECK(mode_of(dir.file("w.json")) == 0600);
  }
}

TEST_CASE("atomic file: replacing a file keeps its group when the process may set it") {
  TempDir dir;
  std::string path = dir.write("shared.json", "old");
  // Another group than ours: any group for root, else one of our supplementary groups.
  gid_t other = ::getegid();
  if (::geteuid() == 0) {
    other = ::getegid() + 4242;
  } else {
    std::vector<gid_t> groups(static_cast<std::size_t>(::getgroups(0, nullptr)));
    ::getgroups(static_cast<int>(groups.size()), groups.data());
    for (gid_t g : groups)
      if (g != ::getegid()) other = g;
  }
  if (other == ::getegid()) {
    MESSAGE("skipped: the process belongs to no group besides its own, so it cannot test keeping one");
    return;
  }
  REQUIRE(::chown(path.c_str(), static_cast<uid_t>(-1), other) == 0);
  REQUIRE(::chmod(path.c_str(), 0640) == 0);
  write_file_atomically(path, "new");
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK(info.st_gid == other);
  CHECK((info.st_mode & 07777) == 0640);
}

TEST_CASE("atomic file: through a symbolic link the file it points to is replaced, and the link stays") {
  TempDir dir;
  namespace fs = std::filesystem;
  fs::create_directories(dir.path() / "models");
  fs::create_directories(dir.path() / "links");
  std::string real = dir.write("models/real.json", "old");
  REQUIRE(::chmod(real.c_str(), 0600) == 0);
  std::string link = dir.file("links/current.json");
  fs::create_symlink("../models/real.json", link);  // relative to the link's own folder
  std::string chain = dir.file("chain.json");
  fs::create_symlink(link, chain);  // a link to a link

  write_file_atomically(chain, "new");
  CHECK(fs::is_symlink(link));
  CHECK(fs::is_symlink(chain));
  CHECK(fs::read_symlink(link) == "../models/real.json");
  CHECK(read_text(real) == "new");
  CHECK(mode_of(real) == 0600);
  CHECK(temp_files(dir.path() / "models") == 0);
  CHECK(temp_files(dir.path() / "links") == 0);

  // A dangling link: the file it names is created, as open(O_CREAT) would.
  std::string dangling = dir.file("links/next.json");
  fs::create_symlink("../models/next.json", dangling);
  write_file_atomically(dangling, "created");
  CHECK(fs::is_symlink(dangling));
  CHECK(read_text(dir.file("models/next.json")) == "created");

  // A loop of links is an error, not a hang.
  fs::create_symlink(dir.file("loop-b"), dir.file("loop-a"));
  fs::create_symlink(dir.file("loop-a"), dir.file("loop-b"));
  CHECK_THROWS_WITH_AS(write_file_atomically(dir.file("loop-a"), "x"),
                       ("cannot write '" + dir.file("loop-a") +
                        "': following symbolic links: Too many levels of symbolic links")
                           .c_str(),
                       std::runtime_error);
}

TEST_CASE("atomic file: the streaming writer replaces the file only on commit") {
  TempDir dir;
  std::string path = dir.write("out.csv", "previous\n");
  {
    AtomicFileWriter file(path);
    file.write("0.5\n");
    file.write("");
    file.write("0.25\n");
    CHECK(read_text(path) == "previous\n");  // nothing visible before commit
    CHECK(temp_files(dir.path()) == 1);
    file.commit();
    CHECK_THROWS_AS(file.commit(), std::logic_error);
    CHECK_THROWS_AS(file.write("more"), std::logic_error);
  }
  CHECK(read_text(path) == "0.5\n0.25\n");
  {
    AtomicFileWriter abandoned(path);  // an exception or an early return: no commit
    abandoned.write("half a fi");
  }
  CHECK(read_text(path) == "0.5\n0.25\n");
  CHECK(temp_files(dir.path()) == 0);
  CHECK(dir.count_files() == 1);
}

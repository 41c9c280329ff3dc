package ai.cocos.manager.internal;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the real-QEMU tests need from the host, and how they look at the processes. */
final class QemuHost {
  static final Path OVMF_CODE = Path.of("/usr/share/OVMF/OVMF_CODE.fd");
  static final Path OVMF_VARS = Path.of("/usr/share/OVMF/OVMF_VARS.fd");

  private QemuHost() {}

  /** Fails (with {@code CI} set) or skips the test if QEMU, qemu-img, swtpm or OVMF is missing. */
  static void require() {
    List<String> missing = new ArrayList<>();
    for (String tool : List.of("qemu-system-x86_64", "qemu-img", "swtpm")) {
      if (onPath(tool).isEmpty()) {
        missing.add(tool);
      }
    }
    for (Path f : List.of(OVMF_CODE, OVMF_VARS)) {
      if (!Files.isRegularFile(f)) {
        missing.add(f.toString());
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    String message =
        "the QEMU backend tests need "
            + String.join(", ", missing)
            + ": run scripts/setup.d/44-qemu.sh (as root)";
    if (System.getenv("CI") != null) {
      fail(message);
    }
    assumeTrue(false, message);
  }

  static Optional<Path> onPath(String tool) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** A process's command line, from {@code /proc}. */
  static List<String> cmdline(long pid) throws IOException {
    byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == 0) {
        out.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    return out;
  }

  static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** The backend state a VM record holds. */
  static Map<?, ?> backendState(Path state, String id) throws IOException {
    Json.Obj o =
        Json.Obj.of(
            Json.read(Files.readAllBytes(state.resolve("vms").resolve(id + ".json"))), "record");
    return o.obj("backend_state").map();
  }

  static long pid(Path state, String id, String which) throws IOException {
    return Long.parseLong(String.valueOf(backendState(state, id).get(which + "_pid")));
  }

  /** Processes whose command line mentions a path (left-over QEMUs or swtpms of a test). */
  static List<Long> processesMentioning(Path path) {
    String needle = path.toString();
    List<Long> out = new ArrayList<>();
    ProcessHandle.allProcesses()
        .forEach(
            p -> {
              try {
                if (String.join(" ", cmdline(p.pid())).contains(needle)) {
                  out.add(p.pid());
                }
              } catch (IOException e) {
                // gone, or not ours to read
              }
            });
    return out;
  }
}

package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A software TPM (swtpm) on a Unix socket, with a state folder of its own: a fresh TPM, hence a
 * fresh owner seed and attestation key. Missing swtpm fails under {@code CI}, skips otherwise.
 */
final class SoftTpm implements AutoCloseable {
  private final Process process;
  private final Path socket;

  private SoftTpm(Process process, Path socket) {
    this.process = process;
    this.socket = socket;
  }

  /** The device setting of the vTPM provider for this TPM. */
  String device() {
    return "unix:" + socket;
  }

  static SoftTpm start(Path dir) throws Exception {
    String exe = null;
    for (String d : List.of("/usr/bin", "/usr/local/bin", "/bin")) {
      if (new File(d, "swtpm").canExecute()) {
        exe = d + "/swtpm";
      }
    }
    if (exe == null) {
      String msg = "swtpm is not installed (scripts/setup.d/35-swtpm.sh installs it)";
      if (System.getenv("CI") != null) {
        fail(msg);
      }
      assumeTrue(false, msg);
    }
    Files.createDirectories(dir);
    Path sock = dir.resolve("tpm.sock");
    Path log = dir.resolve("swtpm.log");
    Process p =
        new ProcessBuilder(
                exe,
                "socket",
                "--tpm2",
                "--tpmstate",
                "dir=" + Files.createDirectories(dir.resolve("state")),
                "--server",
                "type=unixio,path=" + sock,
                "--ctrl",
                "type=unixio,path=" + dir.resolve("ctrl.sock"),
                "--flags",
                "not-need-init,startup-clear")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!accepts(sock)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        fail("swtpm did not come up: " + Files.readString(log));
      }
      Thread.sleep(20);
    }
    return new SoftTpm(p, sock);
  }

  private static boolean accepts(Path sock) {
    if (!Files.exists(sock)) {
      return false;
    }
    try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      return c.connect(UnixDomainSocketAddress.of(sock));
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}

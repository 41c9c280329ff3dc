package ai.cocos.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real command-line tools tests compare against: openssl, unzip, python3. */
final class Tools {
  static final String OPENSSL = "/usr/bin/openssl";

  /** The output of a finished process. */
  record Result(int exit, byte[] stdout, String stderr) {
    String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }
  }

  private Tools() {}

  /** Runs a command in {@code dir} and returns its output, whatever the exit code. */
  static Result run(Path dir, byte[] stdin, List<String> command) {
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectError(ProcessBuilder.Redirect.PIPE)
              .start();
      if (stdin != null) {
        p.getOutputStream().write(stdin);
      }
      p.getOutputStream().close();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      Thread t = new Thread(() -> copy(p.getErrorStream(), err));
      t.start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("timed out: " + command);
      }
      t.join();
      return new Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Runs a command that must succeed and returns its standard output. */
  static byte[] ok(Path dir, byte[] stdin, String... command) {
    Result r = run(dir, stdin, List.of(command));
    assertEquals(0, r.exit(), () -> String.join(" ", command) + " failed: " + r.stderr());
    return r.stdout();
  }

  /** Runs openssl with arguments, which must succeed; returns standard output. */
  static byte[] openssl(Path dir, String... args) {
    String[] cmd = new String[args.length + 1];
    cmd[0] = OPENSSL;
    System.arraycopy(args, 0, cmd, 1, args.length);
    return ok(dir, null, cmd);
  }

  private static void copy(InputStream in, ByteArrayOutputStream out) {
    try {
      in.transferTo(out);
    } catch (IOException e) {
      // The process ended; what was read is enough for a message.
    }
  }
}

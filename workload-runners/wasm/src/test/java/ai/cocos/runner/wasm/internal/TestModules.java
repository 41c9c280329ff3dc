package ai.cocos.runner.wasm.internal;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds the test modules from {@code src/test/c} with clang's wasm32-wasi target, once per source
 * change, into {@code target/test-wasm}. Without clang (or wasi-libc) the tests that need a module
 * fail when {@code CI} is set and are skipped otherwise; {@code scripts/setup.d/41-wasm.sh}
 * installs both.
 */
final class TestModules {
  private static final Path SOURCES = Path.of("src", "test", "c");
  private static final Path OUTPUT = Path.of("target", "test-wasm");

  private TestModules() {}

  /**
   * The module built from {@code src/test/c/<name>.c}.
   *
   * @param name the source's base name
   * @return the absolute path of the {@code .wasm} file
   */
  static synchronized Path module(String name) throws IOException, InterruptedException {
    Path source = SOURCES.resolve(name + ".c");
    Path wasm = OUTPUT.resolve(name + ".wasm").toAbsolutePath();
    if (Files.exists(wasm)
        && Files.getLastModifiedTime(wasm).compareTo(Files.getLastModifiedTime(source)) >= 0) {
      return wasm;
    }
    Files.createDirectories(OUTPUT);
    Path partial = OUTPUT.resolve(name + ".wasm.part");
    List<String> command =
        List.of(
            "clang", "--target=wasm32-wasi", "-O2", "-o", partial.toString(), source.toString());
    Process clang;
    try {
      clang = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      missing("clang is not installed (" + e.getMessage() + ")");
      throw e;
    }
    String log = new String(clang.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!clang.waitFor(2, TimeUnit.MINUTES)) {
      clang.destroyForcibly();
      fail("clang did not finish building " + source);
    }
    if (clang.exitValue() != 0) {
      if (log.contains("unable to create target")
          || log.contains("file not found")
          || log.contains("unable to find library")
          || log.contains("wasm-ld")) {
        missing("clang's wasm32-wasi target or wasi-libc is missing:\n" + log);
      }
      fail("clang failed building " + source + ":\n" + log);
    }
    Files.move(partial, wasm, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return wasm;
  }

  private static void missing(String what) {
    String hint =
        what + "; run scripts/setup.d/41-wasm.sh (clang lld wasi-libc libclang-rt-14-dev-wasm32)";
    if (System.getenv("CI") != null) {
      fail(hint);
    }
    assumeTrue(false, hint);
  }
}

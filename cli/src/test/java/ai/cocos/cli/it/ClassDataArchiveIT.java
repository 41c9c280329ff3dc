package ai.cocos.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build writes the CLI's class-data archive from its training run, and {@code bin/cocos-cli}
 * maps it: the gRPC, Netty and TLS classes an upload needs come from the archive's top layer, not
 * from the jars.
 */
class ClassDataArchiveIT {
  private static final Path REPO = Path.of(System.getProperty("cocos.repo")).normalize();

  @TempDir Path dir;

  @Test
  void theLauncherMapsTheArchiveTheBuildWrote() throws Exception {
    assertTrue(
        Files.size(REPO.resolve("cli/target/cocos-cli.jsa")) > 1_000_000,
        "cli/target/cocos-cli.jsa is written by the build");
    Path log = dir.resolve("classes.log");
    ProcessBuilder pb =
        new ProcessBuilder(REPO.resolve("bin/cocos-cli").toString(), "class-data-training")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("out.txt").toFile());
    pb.environment().put("JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
    Process p = pb.start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the training run ends");
    assertEquals(0, p.exitValue(), Files.readString(dir.resolve("out.txt")));
    List<String> lines = Files.readAllLines(log);
    long fromArchive =
        lines.stream().filter(l -> l.contains("source: shared objects file (top)")).count();
    long nettyFromJar =
        lines.stream()
            .filter(l -> l.contains(" io.grpc.netty.shaded.") && l.contains("source: file:"))
            .count();
    assertTrue(fromArchive > 2000, fromArchive + " classes came from the CLI's archive");
    assertTrue(nettyFromJar < 50, nettyFromJar + " Netty classes were still read from the jar");
  }
}

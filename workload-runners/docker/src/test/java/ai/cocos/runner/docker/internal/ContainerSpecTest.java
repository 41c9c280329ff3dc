package ai.cocos.runner.docker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainerSpecTest {
  @Test
  void withoutArgsTheImageKeepsItsCommand() {
    assertNull(ContainerSpec.command(List.of("/e"), List.of("c"), List.of()));
  }

  @Test
  void argsReplaceTheDefaultArgsOfAnEntrypoint() {
    assertEquals(
        List.of("a", "b"),
        ContainerSpec.command(List.of("/e"), List.of("default"), List.of("a", "b")));
  }

  @Test
  void argsFollowACmdWithoutEntrypoint() {
    assertEquals(
        List.of("python3", "/cocos/algo.py", "a"),
        ContainerSpec.command(List.of(), List.of("python3", "/cocos/algo.py"), List.of("a")));
  }

  @Test
  void argsAreTheCommandOfAnImageWithoutOne() {
    assertEquals(
        List.of("/bin/run"), ContainerSpec.command(List.of(), List.of(), List.of("/bin/run")));
  }

  @Test
  void requestIsolatesTheContainer() {
    DockerSettings s =
        new DockerSettings(
            "unix:///x.sock",
            "none",
            64L << 20,
            1_500_000_000L,
            100,
            "",
            true,
            true,
            2,
            java.time.Duration.ofSeconds(5),
            65536);

    Map<String, Object> spec =
        ContainerSpec.build(
            "sha256:ab",
            null,
            List.of("A=1"),
            "1000:1000",
            Path.of("/w/datasets"),
            Path.of("/w/results"),
            "comp-1",
            s);

    assertFalse(spec.containsKey("Cmd"));
    assertEquals("/cocos", spec.get("WorkingDir"));
    assertEquals("1000:1000", spec.get("User"));
    assertEquals(false, spec.get("Tty"));
    assertEquals(true, spec.get("NetworkDisabled"));
    assertEquals(
        Map.of("ai.cocos.runner", "docker", "ai.cocos.computation", "comp-1"), spec.get("Labels"));
    @SuppressWarnings("unchecked")
    Map<String, Object> host = (Map<String, Object>) spec.get("HostConfig");
    assertEquals(
        List.of(
            Map.of(
                "Type",
                "bind",
                "Source",
                "/w/datasets",
                "Target",
                "/cocos/datasets",
                "ReadOnly",
                true),
            Map.of(
                "Type",
                "bind",
                "Source",
                "/w/results",
                "Target",
                "/cocos/results",
                "ReadOnly",
                false)),
        host.get("Mounts"));
    assertEquals("none", host.get("NetworkMode"));
    assertEquals(false, host.get("Privileged"));
    assertEquals(List.of("ALL"), host.get("CapDrop"));
    assertEquals(List.of("no-new-privileges"), host.get("SecurityOpt"));
    assertEquals(64L << 20, host.get("Memory"));
    assertEquals(64L << 20, host.get("MemorySwap"));
    assertEquals(1_500_000_000L, host.get("NanoCpus"));
    assertEquals(100L, host.get("PidsLimit"));
    assertEquals(true, host.get("ReadonlyRootfs"));
    assertEquals(true, host.get("Init"));
    assertEquals("none", ((Map<?, ?>) host.get("LogConfig")).get("Type"));
  }

  @Test
  void unlimitedSettingsSetNoLimits() {
    Map<String, Object> spec =
        ContainerSpec.build(
            "sha256:ab",
            List.of("x"),
            List.of(),
            "",
            Path.of("/d"),
            Path.of("/r"),
            "c",
            DockerSettings.defaults("unix:///x.sock").with(0, "", false));
    @SuppressWarnings("unchecked")
    Map<String, Object> host = (Map<String, Object>) spec.get("HostConfig");
    assertFalse(spec.containsKey("User"));
    assertEquals(List.of("x"), spec.get("Cmd"));
    assertFalse(host.containsKey("Memory"));
    assertFalse(host.containsKey("NanoCpus"));
    assertEquals(4096L, host.get("PidsLimit"));
  }
}

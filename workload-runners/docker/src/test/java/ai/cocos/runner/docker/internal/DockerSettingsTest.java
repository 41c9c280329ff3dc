package ai.cocos.runner.docker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DockerSettingsTest {
  @Test
  void defaultsAreSafe() {
    DockerSettings s =
        DockerSettings.from(config("unix:///var/run/docker.sock", "none", 0, 0, "", 2));
    assertEquals("none", s.network());
    assertEquals(4096, s.pidsLimit());
    assertEquals("", s.user());
    assertTrue(s.init());
    assertEquals(Duration.ofSeconds(30), s.apiTimeout());
  }

  @Test
  void limitsAreConverted() {
    DockerSettings s =
        DockerSettings.from(config("unix:///s.sock", "bridge", 512, 1.5, "1000:100", 0));
    assertEquals(512L * 1024 * 1024, s.memoryBytes());
    assertEquals(1_500_000_000L, s.nanoCpus());
    assertEquals("1000:100", s.user());
  }

  @Test
  void invalidValuesAreNamed() {
    assertMessage(
        "AGENT_DOCKER_HOST must be unix:///path",
        config("tcp://1.2.3.4:2375", "none", 0, 0, "", 2));
    assertMessage(
        "AGENT_DOCKER_HOST must name an absolute",
        config("unix://run/d.sock", "none", 0, 0, "", 2));
    assertMessage(
        "AGENT_DOCKER_NETWORK must be a network name", config("unix:///s", "a b", 0, 0, "", 2));
    assertMessage(
        "may not join another container", config("unix:///s", "container:x", 0, 0, "", 2));
    assertMessage(
        "AGENT_DOCKER_MEMORY_MB must be 0 (no limit) or at least 6",
        config("unix:///s", "none", 2, 0, "", 2));
    assertMessage("AGENT_DOCKER_CPUS must be 0", config("unix:///s", "none", 0, -1, "", 2));
    assertMessage("AGENT_DOCKER_USER must be empty", config("unix:///s", "none", 0, 0, "root", 2));
    assertMessage(
        "AGENT_DOCKER_KILL_GRACE_SECONDS must be 0 to 60",
        config("unix:///s", "none", 0, 0, "", 61));
  }

  private static void assertMessage(String part, DockerRunnerConfig c) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DockerSettings.from(c));
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }

  private static DockerRunnerConfig config(
      String host, String network, long memoryMb, double cpus, String user, int grace) {
    return new DockerRunnerConfig() {
      @Override
      public Class<? extends Annotation> annotationType() {
        return DockerRunnerConfig.class;
      }

      @Override
      public String host() {
        return host;
      }

      @Override
      public String network() {
        return network;
      }

      @Override
      public long memoryMb() {
        return memoryMb;
      }

      @Override
      public double cpus() {
        return cpus;
      }

      @Override
      public long pidsLimit() {
        return 4096;
      }

      @Override
      public String user() {
        return user;
      }

      @Override
      public boolean readOnlyRootfs() {
        return false;
      }

      @Override
      public boolean init() {
        return true;
      }

      @Override
      public int killGraceSeconds() {
        return grace;
      }

      @Override
      public int apiTimeoutSeconds() {
        return 30;
      }

      @Override
      public int maxLineBytes() {
        return 65536;
      }
    };
  }
}

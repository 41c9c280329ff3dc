package ai.cocos.runner.docker.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Builds docker-archive image files ({@code docker save} layout) in Java, from the host's static
 * busybox: no registry, no engine-side build. Deterministic except for a nonce in each config, so
 * every image has its own ID.
 */
final class TestImages {
  private static byte[] baseLayer;

  private TestImages() {}

  /** An image to build. */
  static final class Spec {
    List<String> entrypoint = List.of();
    List<String> cmd = List.of();
    final Map<String, String> files = new LinkedHashMap<>();
    List<String> tags = List.of();
    String user = "";

    Spec entrypoint(String... e) {
      entrypoint = List.of(e);
      return this;
    }

    Spec cmd(String... c) {
      cmd = List.of(c);
      return this;
    }

    /** A shell script at /algo.sh run as the entrypoint. */
    Spec script(String body) {
      files.put("algo.sh", "#!/bin/sh\n" + body + "\n");
      return entrypoint("/bin/sh", "/algo.sh");
    }

    Spec file(String path, String content) {
      files.put(path, content);
      return this;
    }

    Spec tags(String... t) {
      tags = List.of(t);
      return this;
    }

    Spec user(String u) {
      user = u;
      return this;
    }
  }

  /**
   * Writes the archive.
   *
   * @return the image ID the archive's config hashes to
   */
  static String write(Path archive, Spec spec) throws IOException {
    Path app = Files.createTempFile(archive.toAbsolutePath().getParent(), "layer-", ".tar");
    try {
      Files.write(app, appLayer(spec.files));
      return assemble(archive, spec, app);
    } finally {
      Files.deleteIfExists(app);
    }
  }

  /**
   * Writes an archive whose second layer holds one (large) file, streamed from disk; the image runs
   * {@code /bin/true}.
   *
   * @return the image ID
   */
  static String writeWithFile(Path archive, String name, Path content) throws IOException {
    Path app = Files.createTempFile(archive.toAbsolutePath().getParent(), "layer-", ".tar");
    try {
      try (OutputStream out = Files.newOutputStream(app)) {
        TarWriter t = new TarWriter(out);
        t.file(name, 0644, content);
        t.finish();
      }
      return assemble(archive, new Spec().entrypoint("/bin/true"), app);
    } finally {
      Files.deleteIfExists(app);
    }
  }

  private static String assemble(Path archive, Spec spec, Path appLayer) throws IOException {
    byte[] base = baseLayer();
    String baseId = sha256(base);
    String appId = sha256(appLayer);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("architecture", "amd64");
    config.put("os", "linux");
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("Env", List.of("PATH=/bin"));
    c.put("Entrypoint", spec.entrypoint.isEmpty() ? null : spec.entrypoint);
    c.put("Cmd", spec.cmd.isEmpty() ? null : spec.cmd);
    c.put("Labels", Map.of("nonce", UUID.randomUUID().toString()));
    if (!spec.user.isEmpty()) {
      c.put("User", spec.user);
    }
    config.put("config", c);
    config.put(
        "rootfs",
        Map.of("type", "layers", "diff_ids", List.of("sha256:" + baseId, "sha256:" + appId)));
    byte[] configBytes = Json.write(config);
    String configId = sha256(configBytes);
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("Config", configId + ".json");
    manifest.put("RepoTags", spec.tags.isEmpty() ? null : spec.tags);
    manifest.put("Layers", List.of(baseId + "/layer.tar", appId + "/layer.tar"));
    try (OutputStream out = Files.newOutputStream(archive)) {
      TarWriter t = new TarWriter(out);
      t.dir(baseId);
      t.file(baseId + "/layer.tar", 0644, base);
      t.dir(appId);
      t.file(appId + "/layer.tar", 0644, appLayer);
      t.file(configId + ".json", 0644, configBytes);
      t.file("manifest.json", 0644, Json.write(List.of(manifest)));
      t.finish();
    }
    return "sha256:" + configId;
  }

  /** The host's static busybox, with a symlink per applet. */
  static synchronized byte[] baseLayer() throws IOException {
    if (baseLayer != null) {
      return baseLayer;
    }
    Path busybox = busybox();
    List<String> applets = new ArrayList<>();
    try {
      Process p = new ProcessBuilder(busybox.toString(), "--list").start();
      for (String a :
          new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!a.isBlank() && !a.equals("busybox")) {
          applets.add(a.trim());
        }
      }
      p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TarWriter t = new TarWriter(bytes);
    t.dir("bin");
    t.file("bin/busybox", 0755, Files.readAllBytes(busybox));
    for (String a : applets) {
      t.symlink("bin/" + a, "busybox");
    }
    t.dir("tmp");
    t.dir("etc");
    t.file("etc/passwd", 0644, "root:x:0:0:root:/:/bin/sh\n".getBytes(StandardCharsets.UTF_8));
    t.finish();
    baseLayer = bytes.toByteArray();
    return baseLayer;
  }

  private static byte[] appLayer(Map<String, String> files) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TarWriter t = new TarWriter(bytes);
    for (Map.Entry<String, String> f : files.entrySet()) {
      t.file(f.getKey(), 0755, f.getValue().getBytes(StandardCharsets.UTF_8));
    }
    t.finish();
    return bytes.toByteArray();
  }

  /** A statically linked busybox (Debian's busybox-static), or the test fails saying so. */
  static Path busybox() throws IOException {
    for (String candidate : List.of("/bin/busybox", "/usr/bin/busybox")) {
      Path p = Path.of(candidate);
      if (Files.isExecutable(p)) {
        if (hasInterpreter(Files.readAllBytes(p))) {
          return fail(
              p
                  + " is dynamically linked; install busybox-static"
                  + " (scripts/setup.d/42-container-engine.sh)");
        }
        return p;
      }
    }
    return fail("busybox is missing; run scripts/setup.d/42-container-engine.sh");
  }

  /**
   * Whether an ELF64 file names a dynamic loader: a PT_INTERP program header (System V gABI,
   * "Program Header": e_phoff at 32, e_phentsize at 54, e_phnum at 56; p_type 3 = PT_INTERP).
   */
  private static boolean hasInterpreter(byte[] elf) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(elf).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    long phoff = b.getLong(32);
    int phentsize = b.getShort(54) & 0xffff;
    int phnum = b.getShort(56) & 0xffff;
    for (int i = 0; i < phnum; i++) {
      if (b.getInt((int) phoff + i * phentsize) == 3) {
        return true;
      }
    }
    return false;
  }

  static String sha256(Path file) throws IOException {
    try (java.io.InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

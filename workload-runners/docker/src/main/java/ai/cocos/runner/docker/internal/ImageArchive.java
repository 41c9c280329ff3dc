package ai.cocos.runner.docker.internal;

import ai.cocos.api.runner.RunnerException;
import java.io.IOException;
import java.net.ProtocolException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What an uploaded image archive holds, read before the engine sees it: the one image it contains,
 * identified by content.
 *
 * <p>Format: the archive {@code docker save} writes (also what {@code skopeo copy
 * docker-archive:...} and {@code podman save} write): a tar with {@code manifest.json}, an array
 * with one object per image, each naming its {@code Config} file, {@code RepoTags} and {@code
 * Layers}. The image's ID is the SHA-256 of its config file's bytes, and the config's {@code
 * rootfs.diff_ids} list the SHA-256 of each uncompressed layer, which the engine checks on load.
 * Newer Docker versions add an OCI layout ({@code index.json}, {@code blobs/}) beside {@code
 * manifest.json}; the same reading applies.
 *
 * @param imageId {@code sha256:<hex>} of the config file
 * @param repoTags the names the archive gives the image (may be empty)
 * @param diffIds the layers' uncompressed digests, bottom first
 */
record ImageArchive(String imageId, List<String> repoTags, List<String> diffIds) {

  /** The largest {@code manifest.json} read. */
  static final int MAX_MANIFEST_BYTES = 1024 * 1024;

  /** The largest image config read (real ones are a few kilobytes). */
  static final int MAX_CONFIG_BYTES = 8 * 1024 * 1024;

  /** Copies the lists. */
  ImageArchive {
    repoTags = List.copyOf(repoTags);
    diffIds = List.copyOf(diffIds);
  }

  /**
   * Reads an archive.
   *
   * @param archive the uploaded file
   * @return what it holds
   * @throws RunnerException naming why it is not a single-image archive
   */
  static ImageArchive read(Path archive) throws RunnerException {
    Map<String, TarIndex.Entry> files;
    try {
      files = TarIndex.read(archive);
    } catch (IOException e) {
      throw invalid(archive, e.getMessage());
    }
    TarIndex.Entry manifestEntry = files.get("manifest.json");
    if (manifestEntry == null) {
      throw invalid(
          archive,
          "it has no manifest.json (an image archive is what 'docker save IMAGE -o image.tar'"
              + " writes)");
    }
    try {
      Object manifest =
          Json.parse(
              TarIndex.readEntry(archive, manifestEntry, MAX_MANIFEST_BYTES, "manifest.json"));
      if (!(manifest instanceof List<?> images) || images.isEmpty()) {
        throw invalid(archive, "its manifest.json lists no image");
      }
      if (images.size() > 1) {
        throw invalid(
            archive,
            "it holds "
                + images.size()
                + " images; a docker algorithm must be exactly one image (save only that one)");
      }
      Object image = images.get(0);
      String configName = Json.string(image, "Config");
      if (configName == null) {
        throw invalid(archive, "its manifest.json names no Config");
      }
      for (String layer : Json.strings(image, "Layers")) {
        if (!files.containsKey(layer)) {
          throw invalid(archive, "layer " + layer + " named by manifest.json is missing");
        }
      }
      TarIndex.Entry configEntry = files.get(configName);
      if (configEntry == null) {
        throw invalid(archive, "image config " + configName + " named by manifest.json is missing");
      }
      byte[] config = TarIndex.readEntry(archive, configEntry, MAX_CONFIG_BYTES, configName);
      Map<String, Object> configJson = Json.object(config);
      List<String> diffIds = Json.strings(configJson, "rootfs", "diff_ids");
      if (diffIds.size() != Json.strings(image, "Layers").size()) {
        throw invalid(
            archive,
            "its config lists "
                + diffIds.size()
                + " layers but manifest.json "
                + Json.strings(image, "Layers").size());
      }
      return new ImageArchive(
          "sha256:" + HexFormat.of().formatHex(sha256(config)),
          Json.strings(image, "RepoTags"),
          diffIds);
    } catch (ProtocolException e) {
      throw invalid(archive, e.getMessage());
    } catch (IOException e) {
      throw invalid(archive, e.getMessage());
    }
  }

  private static RunnerException invalid(Path archive, String why) {
    return new RunnerException(
        "algorithm " + archive.getFileName() + " is not a usable docker image archive: " + why);
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}

package ai.cocos.attestation.collateral;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Offline collateral bundles: what a connected machine saved (e.g. with the CLI's {@code
 * ca-bundle}) and an air-gapped verifier imports. A bundle is a folder, or a zip of one, in the
 * {@link CollateralCache} layout ({@code <sha256 of URL>.bin} + {@code .json} pairs, optionally
 * under one top folder in a zip). Importing checks every pair (the body's hash, the name derived
 * from the URL) and ignores other files; it never follows paths from the zip, so a hostile zip
 * cannot write outside the cache.
 */
public final class CollateralBundle {
  /** The most entries a bundle may hold. */
  public static final int MAX_ITEMS = 10_000;

  private CollateralBundle() {}

  /**
   * Writes cached items to a bundle: a zip if the target's name ends with {@code .zip}, else a
   * folder (created if missing).
   *
   * @param cache the cache to export from
   * @param target the zip file or folder
   * @param select which URLs to export
   * @return how many items were written
   * @throws CollateralException if the cache cannot be read or the target written
   */
  public static int export(CollateralCache cache, Path target, Predicate<URI> select)
      throws CollateralException {
    List<CollateralItem> items = new ArrayList<>();
    for (CollateralItem i : cache.list()) {
      if (select.test(i.url())) {
        items.add(i);
      }
    }
    items.sort(Comparator.comparing(i -> i.url().toString()));
    try {
      if (target.getFileName().toString().endsWith(".zip")) {
        if (target.getParent() != null) {
          Files.createDirectories(target.getParent());
        }
        try (OutputStream o =
                Files.newOutputStream(
                    target, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
            ZipOutputStream z = new ZipOutputStream(o)) {
          for (CollateralItem i : items) {
            String key = CollateralCache.key(i.url());
            z.putNextEntry(new ZipEntry(key + ".bin"));
            z.write(i.body());
            z.closeEntry();
            z.putNextEntry(new ZipEntry(key + ".json"));
            z.write(meta(i));
            z.closeEntry();
          }
        }
      } else {
        CollateralCache out = new CollateralCache(target);
        for (CollateralItem i : items) {
          out.put(i);
        }
      }
    } catch (IOException e) {
      throw new CollateralException(
          "cannot write the collateral bundle " + target + ": " + e.getMessage(), e);
    }
    return items.size();
  }

  /**
   * Imports a bundle (folder or zip) into a cache.
   *
   * @param source the folder or zip
   * @param cache the cache to import into
   * @return how many items were imported
   * @throws CollateralException if the bundle is malformed (an item fails its checks) or unreadable
   */
  public static int importInto(Path source, CollateralCache cache) throws CollateralException {
    Map<String, byte[]> files = new HashMap<>();
    try {
      if (Files.isDirectory(source)) {
        try (Stream<Path> s = Files.list(source)) {
          for (Path p : (Iterable<Path>) s::iterator) {
            String n = p.getFileName().toString();
            if (CollateralCache.FILE.matcher(n).matches() && Files.isRegularFile(p)) {
              limit(files);
              files.put(n, readLimited(Files.newInputStream(p), n));
            }
          }
        }
      } else {
        try (ZipInputStream z = new ZipInputStream(Files.newInputStream(source))) {
          for (ZipEntry e = z.getNextEntry(); e != null; e = z.getNextEntry()) {
            String n = e.getName();
            int slash = n.lastIndexOf('/');
            String base = slash >= 0 ? n.substring(slash + 1) : n;
            if (!e.isDirectory()
                && CollateralCache.FILE.matcher(base).matches()
                && n.chars().filter(c -> c == '/').count() <= 1) {
              limit(files);
              files.put(base, readLimited(z, n));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new CollateralException(
          "cannot read the collateral bundle " + source + ": " + e.getMessage(), e);
    }
    List<CollateralItem> items = new ArrayList<>();
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      if (!f.getKey().endsWith(".json")) {
        continue;
      }
      String key = f.getKey().substring(0, 64);
      byte[] body = files.get(key + ".bin");
      if (body == null) {
        throw new CollateralException(source + ": " + f.getKey() + " has no " + key + ".bin");
      }
      CollateralItem i = CollateralCache.item(f.getValue(), body, source + "/" + f.getKey());
      if (!CollateralCache.key(i.url()).equals(key)) {
        throw new CollateralException(
            source + ": " + f.getKey() + " is named for another URL" + " than " + i.url());
      }
      items.add(i);
    }
    for (CollateralItem i : items) {
      cache.put(i);
    }
    return items.size();
  }

  private static void limit(Map<String, byte[]> files) throws CollateralException {
    if (files.size() >= 2 * MAX_ITEMS) {
      throw new CollateralException("collateral bundle holds more than " + MAX_ITEMS + " items");
    }
  }

  private static byte[] readLimited(InputStream in, String name) throws IOException {
    byte[] b = in.readNBytes(HttpCollateralFetcher.MAX_BODY + 1);
    if (b.length > HttpCollateralFetcher.MAX_BODY) {
      throw new IOException(name + " is larger than " + HttpCollateralFetcher.MAX_BODY + " bytes");
    }
    if (!(in instanceof ZipInputStream)) {
      in.close();
    }
    return b;
  }

  private static byte[] meta(CollateralItem i) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("url", i.url().toString());
    m.put("sha256", ai.cocos.attestation.Certs.sha256(i.body()));
    m.put("fetched", i.fetched().toString());
    m.put("headers", new java.util.LinkedHashMap<>(i.headers()));
    return ai.cocos.attestation.Json.write(m).getBytes(StandardCharsets.UTF_8);
  }
}

package ai.cocos.attestation.collateral;

import ai.cocos.attestation.Certs;
import ai.cocos.attestation.Json;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A folder of collateral keyed by URL, so that vendor services (AMD KDS rate-limits) are asked only
 * for what is not here yet, and so that verification works offline.
 *
 * <p>Layout: for each item, {@code <sha256 of the URL>.bin} (the body) and {@code <same>.json}
 * ({@code url}, {@code sha256} of the body, {@code fetched}, {@code headers}). Files are written to
 * a temporary name and moved into place, so a reader never sees half an item; a body whose hash
 * does not match its metadata is treated as missing. The folder is created owner-only. The same
 * layout is the offline bundle format ({@link CollateralBundle}).
 *
 * <p>Items are kept in memory once read. Thread-safe; several processes may share a folder.
 */
public final class CollateralCache {
  /** Environment variable overriding the default folder. */
  public static final String ENV = "COCOS_COLLATERAL_CACHE";

  /** File name of an item's body or metadata: hex SHA-256 of the URL plus an extension. */
  static final Pattern FILE = Pattern.compile("[0-9a-f]{64}\\.(bin|json)");

  private final Path dir;
  private final Map<URI, CollateralItem> memory =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<URI, CollateralItem> e) {
              return size() > 1024;
            }
          });

  /**
   * A cache in a folder (created when the first item is stored).
   *
   * @param dir the folder
   */
  public CollateralCache(Path dir) {
    this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
  }

  /**
   * The default folder: {@code $COCOS_COLLATERAL_CACHE}, else {@code
   * $XDG_CACHE_HOME/cocos/collateral}, else {@code ~/.cache/cocos/collateral}.
   *
   * @return the folder
   */
  public static Path defaultLocation() {
    String env = System.getenv(ENV);
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("cocos").resolve("collateral");
  }

  /**
   * The folder.
   *
   * @return the cache folder
   */
  public Path dir() {
    return dir;
  }

  /**
   * Looks an item up.
   *
   * @param url the item's URL
   * @return the item, if cached and intact
   */
  public Optional<CollateralItem> get(URI url) {
    CollateralItem m = memory.get(url);
    if (m != null) {
      return Optional.of(m);
    }
    String key = key(url);
    try {
      Optional<CollateralItem> item = read(dir.resolve(key + ".json"), dir.resolve(key + ".bin"));
      if (item.isPresent() && item.get().url().equals(url)) {
        memory.put(url, item.get());
        return item;
      }
      return Optional.empty();
    } catch (IOException | CollateralException e) {
      // A damaged entry is a miss: it is fetched (or reported missing) again.
      return Optional.empty();
    }
  }

  /**
   * Stores an item (replacing an older one for the same URL).
   *
   * @param item the item
   * @throws CollateralException if the folder cannot be written
   */
  public void put(CollateralItem item) throws CollateralException {
    String key = key(item.url());
    try {
      ensureDir();
      Map<String, Object> meta = new LinkedHashMap<>();
      meta.put("url", item.url().toString());
      meta.put("sha256", Certs.sha256(item.body()));
      meta.put("fetched", item.fetched().toString());
      meta.put("headers", new LinkedHashMap<>(item.headers()));
      write(dir.resolve(key + ".bin"), item.body());
      write(dir.resolve(key + ".json"), Json.write(meta).getBytes(StandardCharsets.UTF_8));
      memory.put(item.url(), item);
    } catch (IOException e) {
      throw new CollateralException(
          "cannot write the collateral cache " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Every intact item in the folder.
   *
   * @return the items, in no particular order
   * @throws CollateralException if the folder cannot be listed
   */
  public List<CollateralItem> list() throws CollateralException {
    List<CollateralItem> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String n = p.getFileName().toString();
        if (FILE.matcher(n).matches() && n.endsWith(".json")) {
          String key = n.substring(0, 64);
          try {
            read(p, dir.resolve(key + ".bin"))
                .filter(i -> key(i.url()).equals(key))
                .ifPresent(out::add);
          } catch (CollateralException e) {
            // skipped: damaged entries are not listed
          }
        }
      }
    } catch (IOException e) {
      throw new CollateralException(
          "cannot list the collateral cache " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }

  /**
   * The file name stem of a URL's entry.
   *
   * @param url the URL
   * @return hex SHA-256 of the URL's text
   */
  public static String key(URI url) {
    return Certs.sha256(url.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Reads one entry, checking the body against the hash in its metadata. */
  static Optional<CollateralItem> read(Path meta, Path body)
      throws IOException, CollateralException {
    byte[] m;
    byte[] b;
    try {
      m = Files.readAllBytes(meta);
      b = Files.readAllBytes(body);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    return Optional.of(item(m, b, meta.toString()));
  }

  static CollateralItem item(byte[] metaBytes, byte[] body, String where)
      throws CollateralException {
    try {
      if (!(Json.parse(new String(metaBytes, StandardCharsets.UTF_8)) instanceof Map<?, ?> meta)
          || !(meta.get("url") instanceof String url)
          || !(meta.get("sha256") instanceof String sha)
          || !(meta.get("fetched") instanceof String fetched)) {
        throw new CollateralException(where + ": metadata needs url, sha256 and fetched");
      }
      if (!sha.equalsIgnoreCase(Certs.sha256(body))) {
        throw new CollateralException(where + ": the body does not match its SHA-256 " + sha);
      }
      Map<String, String> headers = new LinkedHashMap<>();
      if (meta.get("headers") instanceof Map<?, ?> h) {
        for (Map.Entry<?, ?> e : h.entrySet()) {
          if (e.getValue() instanceof String v) {
            headers.put(String.valueOf(e.getKey()), v);
          }
        }
      }
      return new CollateralItem(URI.create(url), body, headers, Instant.parse(fetched));
    } catch (Json.JsonException | RuntimeException e) {
      throw new CollateralException(
          where + ": unreadable collateral metadata: " + e.getMessage(), e);
    }
  }

  private void ensureDir() throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      Files.createDirectories(dir);
    }
  }

  private static void write(Path target, byte[] bytes) throws IOException {
    Path tmp = Files.createTempFile(target.getParent(), ".tmp-", ".part");
    try {
      Files.write(tmp, bytes);
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}

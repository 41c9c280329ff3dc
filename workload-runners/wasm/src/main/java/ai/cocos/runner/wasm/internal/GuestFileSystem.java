package ai.cocos.runner.wasm.internal;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The only files a Wasm module can reach: a few host folders mounted by name at the root, each
 * read-only or writable.
 *
 * <p>Chicory's WASI implementation opens preopened folders through {@code java.nio.file} with
 * whatever {@link Path} it is given. Given host paths, a module could write into the datasets
 * (Chicory has no read-only preopen) and follow or plant symbolic links out of its folders. Given
 * paths of this file system, every operation goes through {@link GuestFileSystemProvider}, which
 * refuses writes to read-only mounts, never creates links, and checks that whatever a path resolves
 * to on the host stays inside its mount.
 *
 * <p>Paths look like {@code /datasets/a.csv}: the first name is the mount. {@code ..} never leaves
 * a mount (as at the root of a POSIX file system, the parent of a mount's root is itself).
 */
final class GuestFileSystem extends FileSystem {

  /**
   * One host folder the module sees.
   *
   * @param name the guest name (the first name of its guest paths), for example {@code datasets}
   * @param root the host folder, as a real path (symbolic links resolved)
   * @param writable whether the module may change anything below it
   */
  record Mount(String name, Path root, boolean writable) {
    Mount {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(root, "root");
    }
  }

  private final GuestFileSystemProvider provider;
  private final Map<String, Mount> mounts;
  private final Path rootNames;
  private volatile boolean open = true;

  private GuestFileSystem(Map<String, Mount> mounts) {
    this.mounts = Collections.unmodifiableMap(new LinkedHashMap<>(mounts));
    this.rootNames = FileSystems.getDefault().getPath("/");
    this.provider = new GuestFileSystemProvider(this);
  }

  /** Collects the mounts of a new guest file system. */
  static final class Builder {
    private final Map<String, Mount> mounts = new LinkedHashMap<>();

    /**
     * Mounts a host folder.
     *
     * @param name the guest name: one path element without {@code /}
     * @param host the host folder, which must exist
     * @param writable whether the module may change it
     * @return this builder
     * @throws IOException naming the folder if it does not exist or cannot be resolved
     */
    Builder mount(String name, Path host, boolean writable) throws IOException {
      if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
        throw new IllegalArgumentException("invalid mount name '" + name + "'");
      }
      if (!Files.isDirectory(host)) {
        throw new NotDirectoryException(host.toString());
      }
      mounts.put(name, new Mount(name, host.toRealPath(), writable));
      return this;
    }

    GuestFileSystem build() {
      return new GuestFileSystem(mounts);
    }
  }

  static Builder builder() {
    return new Builder();
  }

  /** The mount of the given name, or {@code null}. */
  Mount mount(String name) {
    return mounts.get(name);
  }

  /** The guest root {@code /} as names. */
  Path rootNames() {
    return rootNames;
  }

  /**
   * The guest path of a mount's root, to hand to Chicory as a preopened folder.
   *
   * @param name the mount's name
   * @return {@code /name}
   */
  GuestPath mountPoint(String name) {
    if (!mounts.containsKey(name)) {
      throw new IllegalArgumentException("no mount named '" + name + "'");
    }
    return getPath("/" + name);
  }

  @Override
  public GuestFileSystemProvider provider() {
    return provider;
  }

  @Override
  public void close() {
    open = false;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public boolean isReadOnly() {
    return false;
  }

  @Override
  public String getSeparator() {
    return "/";
  }

  @Override
  public Iterable<Path> getRootDirectories() {
    return List.of(new GuestPath(this, rootNames));
  }

  @Override
  public Iterable<FileStore> getFileStores() {
    return List.of();
  }

  @Override
  public Set<String> supportedFileAttributeViews() {
    return Set.of("basic");
  }

  @Override
  public GuestPath getPath(String first, String... more) {
    return new GuestPath(this, FileSystems.getDefault().getPath(first, more));
  }

  @Override
  public PathMatcher getPathMatcher(String syntaxAndPattern) {
    PathMatcher host = FileSystems.getDefault().getPathMatcher(syntaxAndPattern);
    return path -> path instanceof GuestPath g && host.matches(g.names());
  }

  @Override
  public UserPrincipalLookupService getUserPrincipalLookupService() {
    throw new UnsupportedOperationException("a Wasm module's file system has no users");
  }

  @Override
  public WatchService newWatchService() {
    throw new UnsupportedOperationException("a Wasm module's file system cannot be watched");
  }
}

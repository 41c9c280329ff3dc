package ai.cocos.runner.wasm.internal;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Objects;

/**
 * A path as the Wasm module sees it, such as {@code /datasets/a.csv}. Only syntax lives here: a
 * guest path is never opened directly; {@link GuestFileSystemProvider} translates it into a host
 * path inside one mount, and refuses what lies outside.
 *
 * <p>The syntax is the host's (POSIX on the platforms the agent supports): a guest path wraps a
 * host-file-system path used purely as a string of names, which gives exact POSIX semantics for
 * {@code resolve}, {@code normalize}, {@code relativize} and friends without re-implementing them.
 */
final class GuestPath implements Path {
  private final GuestFileSystem fs;
  private final Path names;

  GuestPath(GuestFileSystem fs, Path names) {
    this.fs = Objects.requireNonNull(fs, "fs");
    this.names = Objects.requireNonNull(names, "names");
  }

  /** The names of this path, as a host path that must never be used for I/O. */
  Path names() {
    return names;
  }

  private GuestPath wrap(Path p) {
    return p == null ? null : new GuestPath(fs, p);
  }

  private Path unwrap(Path other) {
    if (!(other instanceof GuestPath g) || g.fs != fs) {
      throw new ProviderMismatchException("not a path of this Wasm module's file system: " + other);
    }
    return g.names;
  }

  @Override
  public GuestFileSystem getFileSystem() {
    return fs;
  }

  @Override
  public boolean isAbsolute() {
    return names.isAbsolute();
  }

  @Override
  public Path getRoot() {
    return wrap(names.getRoot());
  }

  @Override
  public Path getFileName() {
    return wrap(names.getFileName());
  }

  @Override
  public Path getParent() {
    return wrap(names.getParent());
  }

  @Override
  public int getNameCount() {
    return names.getNameCount();
  }

  @Override
  public Path getName(int index) {
    return wrap(names.getName(index));
  }

  @Override
  public Path subpath(int beginIndex, int endIndex) {
    return wrap(names.subpath(beginIndex, endIndex));
  }

  @Override
  public boolean startsWith(Path other) {
    return other instanceof GuestPath g && g.fs == fs && names.startsWith(g.names);
  }

  @Override
  public boolean endsWith(Path other) {
    return other instanceof GuestPath g && g.fs == fs && names.endsWith(g.names);
  }

  @Override
  public Path normalize() {
    return wrap(names.normalize());
  }

  @Override
  public Path resolve(Path other) {
    return wrap(names.resolve(unwrap(other)));
  }

  @Override
  public Path relativize(Path other) {
    return wrap(names.relativize(unwrap(other)));
  }

  @Override
  public URI toUri() {
    try {
      return new URI(GuestFileSystemProvider.SCHEME, null, toAbsolutePath().toString(), null);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("guest path " + this + " has no URI form", e);
    }
  }

  @Override
  public GuestPath toAbsolutePath() {
    // The guest's working folder is the root of its file system.
    return names.isAbsolute() ? this : new GuestPath(fs, fs.rootNames().resolve(names));
  }

  @Override
  public Path toRealPath(LinkOption... options) throws IOException {
    return fs.provider().toRealPath(this, options);
  }

  @Override
  public WatchKey register(
      WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
    throw new UnsupportedOperationException("a Wasm module's file system cannot be watched");
  }

  @Override
  public int compareTo(Path other) {
    return names.compareTo(unwrap(other));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GuestPath g && g.fs == fs && g.names.equals(names);
  }

  @Override
  public int hashCode() {
    return names.hashCode();
  }

  @Override
  public String toString() {
    return names.toString();
  }
}

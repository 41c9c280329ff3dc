package ai.cocos.agent.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Tells how much space is left for the agent on the disk holding a folder. */
@FunctionalInterface
interface DiskSpace {
  /** The file store's usable space, as {@link java.nio.file.FileStore#getUsableSpace()}. */
  DiskSpace FILE_STORE = dir -> Files.getFileStore(dir).getUsableSpace();

  /**
   * The bytes this process may still write on the disk holding a folder.
   *
   * @param dir a folder on the disk
   * @return usable bytes
   * @throws IOException if the disk cannot be asked
   */
  long usableBytes(Path dir) throws IOException;
}

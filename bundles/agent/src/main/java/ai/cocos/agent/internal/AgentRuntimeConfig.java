package ai.cocos.agent.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the agent (PID {@value AgentRuntime#PID}). The defaults are the safe ones:
 * CocosAI's static role signatures are refused, uploads and extractions are bounded, the disk keeps
 * a reserve, runs and results have a time limit, and wiped files are overwritten first.
 */
@ObjectClassDefinition(
    name = "Cocos agent",
    description =
        "Runs one computation at a time: authorises and stores uploads, runs the algorithm,"
            + " releases the results to their consumers and wipes everything afterwards.")
public @interface AgentRuntimeConfig {
  /**
   * Where computations keep their files. Each gets a private folder (0700) named by its id.
   *
   * @return a folder; empty for {@code cocos-agent} under {@code java.io.tmpdir}
   */
  @AttributeDefinition(
      name = "Work folder",
      description =
          "Folder holding one private sub-folder per computation (algorithm, datasets, results)."
              + " Empty: cocos-agent under java.io.tmpdir.")
  String workDir() default "";

  /**
   * The largest single upload (the algorithm, its requirements file, or one dataset as sent).
   *
   * @return bytes, at least 1
   */
  @AttributeDefinition(
      name = "Largest upload (bytes)",
      description = "Uploads larger than this are refused as they arrive.",
      min = "1")
  long maxUploadBytes() default 16L * 1024 * 1024 * 1024;

  /**
   * Free space uploads and extraction must leave on the work folder's disk.
   *
   * @return bytes, at least 0
   */
  @AttributeDefinition(
      name = "Disk reserve (bytes)",
      description =
          "An upload is refused when it would leave less free space than this on the work"
              + " folder's disk (checked every 8 MiB).",
      min = "0")
  long diskReserveBytes() default 512L * 1024 * 1024;

  /**
   * The wall-clock limit of one run.
   *
   * @return seconds, at least 1
   */
  @AttributeDefinition(
      name = "Run time limit (s)",
      description = "A run taking longer fails as timed out.",
      min = "1")
  long runTimeoutSeconds() default 24 * 3600;

  /**
   * How long results wait for their consumers before they are wiped anyway.
   *
   * @return seconds, at least 1
   */
  @AttributeDefinition(
      name = "Results time-to-live (s)",
      description =
          "Results are wiped when every consumer fetched them, or this long after they became"
              + " ready, whichever comes first.",
      min = "1")
  long resultsTtlSeconds() default 24 * 3600;

  /**
   * The largest difference accepted between a signature's timestamp and the agent's clock.
   *
   * @return seconds, at least 1 (CocosAI variable {@code AGENT_AUTH_MAX_SKEW})
   */
  @AttributeDefinition(
      name = "Signature clock skew (s)",
      description = "Signed requests whose timestamp is further than this from now are refused.",
      min = "1",
      max = "86400")
  long authSkewSeconds() default 300;

  /**
   * Whether CocosAI's static role-string signatures are accepted besides v1 signatures. Every use
   * is logged as a warning: such a signature can be replayed forever.
   *
   * @return {@code false} unless CocosAI-era clients must be served ({@code AGENT_AUTH_LEGACY})
   */
  @AttributeDefinition(
      name = "Accept legacy signatures",
      description =
          "Also accept CocosAI's replayable static role signatures (no v1 headers). Off by"
              + " default.")
  boolean legacyAuth() default false;

  /**
   * The most bytes one {@code decompress} dataset may extract to (also bounded by the free disk
   * above the reserve).
   *
   * @return bytes, at least 1
   */
  @AttributeDefinition(
      name = "Largest extraction (bytes)",
      description = "A decompressed dataset may not extract to more than this.",
      min = "1")
  long maxUnzipBytes() default 16L * 1024 * 1024 * 1024;

  /**
   * The most entries one {@code decompress} dataset's zip may hold.
   *
   * @return entries, at least 1
   */
  @AttributeDefinition(
      name = "Most zip entries",
      description = "A decompressed dataset's zip may not hold more entries than this.",
      min = "1")
  int maxUnzipEntries() default 100_000;

  /**
   * How many nonces the replay cache holds at most (signed requests within twice the skew).
   *
   * @return nonces, at least 16
   */
  @AttributeDefinition(
      name = "Replay cache size",
      description =
          "Most signed requests remembered within the skew window; beyond it requests are"
              + " refused until old ones expire.",
      min = "16")
  int maxNonces() default 100_000;

  /**
   * Whether wiped files are overwritten with zeros before they are deleted.
   *
   * @return {@code true} by default
   */
  @AttributeDefinition(
      name = "Overwrite on wipe",
      description =
          "Overwrite files with zeros before deleting them (best effort; see the agent's"
              + " documentation).")
  boolean wipeOverwrite() default true;

  /**
   * Whether uploads are written to the disk around the page cache (direct I/O) where its file
   * system allows it.
   *
   * @return {@code true} by default
   */
  @AttributeDefinition(
      name = "Direct I/O for uploads",
      description =
          "Write uploads straight to the disk (O_DIRECT), without copying them into the page"
              + " cache, where the work folder's file system allows it. Turn off on a disk much"
              + " slower than memory to let the page cache absorb an upload.")
  boolean directIo() default true;
}

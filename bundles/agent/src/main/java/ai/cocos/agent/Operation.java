package ai.cocos.agent;

import ai.cocos.api.computation.DatasetSpec;
import java.util.Objects;
import java.util.Optional;

/**
 * What a signed request may do: upload the algorithm, upload one named dataset, or download the
 * results. Its {@link #wire()} form is the {@code <operation>} line of the signed message ({@code
 * algo}, {@code data:<filename>}, {@code result}).
 *
 * @param kind the kind of operation
 * @param filename the dataset's file name for {@link Kind#DATA}, else empty
 */
public record Operation(Kind kind, String filename) {
  /** The kinds of operation. */
  public enum Kind {
    /** Upload the algorithm (CocosAI's {@code Algo} call). */
    ALGO,
    /** Upload one dataset (CocosAI's {@code Data} call). */
    DATA,
    /** Download the results (CocosAI's {@code Result} call). */
    RESULT
  }

  private static final String DATA_PREFIX = "data:";

  /**
   * Checks the values.
   *
   * @throws IllegalArgumentException if a data operation's file name is not a plain file name, or
   *     another operation has one
   */
  public Operation {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(filename, "filename");
    if (kind == Kind.DATA) {
      Optional<String> problem = DatasetSpec.filenameProblem(filename);
      if (problem.isPresent()) {
        throw new IllegalArgumentException("dataset filename " + problem.get());
      }
    } else if (!filename.isEmpty()) {
      throw new IllegalArgumentException("only a data operation names a file");
    }
  }

  /**
   * The algorithm upload.
   *
   * @return {@code algo}
   */
  public static Operation algo() {
    return new Operation(Kind.ALGO, "");
  }

  /**
   * The upload of one dataset.
   *
   * @param filename the dataset's file name as the manifest declares it
   * @return {@code data:<filename>}
   */
  public static Operation data(String filename) {
    return new Operation(Kind.DATA, filename);
  }

  /**
   * The results download.
   *
   * @return {@code result}
   */
  public static Operation result() {
    return new Operation(Kind.RESULT, "");
  }

  /**
   * Reads the wire form.
   *
   * @param wire {@code algo}, {@code data:<filename>} or {@code result}
   * @return the operation
   * @throws IllegalArgumentException naming what is wrong
   */
  public static Operation parse(String wire) {
    Objects.requireNonNull(wire, "wire");
    if (wire.equals("algo")) {
      return algo();
    }
    if (wire.equals("result")) {
      return result();
    }
    if (wire.startsWith(DATA_PREFIX)) {
      return data(wire.substring(DATA_PREFIX.length()));
    }
    throw new IllegalArgumentException(
        "unknown operation: expected algo, data:<filename> or result");
  }

  /**
   * The role allowed to perform this operation.
   *
   * @return the role whose key must sign it
   */
  public Role role() {
    return switch (kind) {
      case ALGO -> Role.ALGORITHM_PROVIDER;
      case DATA -> Role.DATA_PROVIDER;
      case RESULT -> Role.CONSUMER;
    };
  }

  /**
   * The operation as it appears in the signed message.
   *
   * @return {@code algo}, {@code data:<filename>} or {@code result}
   */
  public String wire() {
    return switch (kind) {
      case ALGO -> "algo";
      case DATA -> DATA_PREFIX + filename;
      case RESULT -> "result";
    };
  }

  /**
   * The wire form.
   *
   * @return {@link #wire()}
   */
  @Override
  public String toString() {
    return wire();
  }
}

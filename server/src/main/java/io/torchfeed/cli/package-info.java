/**
 * The picocli commands: {@code serve}, {@code inspect}, {@code list}, {@code manifest}, {@code fetch},
 * {@code verify}, {@code watch}, {@code signing-key} and the hidden {@code validate-worker}. Each prints a one-line message and exits 1
 * on failure.
 */
package io.torchfeed.cli;

/** The server's immutable configuration record. Layering (file &lt; environment &lt; CLI) is done in the CLI. */
package io.torchfeed.config;

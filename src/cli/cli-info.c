#include "shoal-cli.h"
int shoal_cli_info (int argc, char **argv) { (void) argc; (void) argv; return 1; }

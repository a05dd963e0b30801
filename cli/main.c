/* main: the program's entry point; everything else is in cli_main. */
#include "cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}

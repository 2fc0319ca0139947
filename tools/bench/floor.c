/*
 * floor: a program that only exits, for make bench's plan-path table;
 * "floor wait" only waits, for the private memory any process has here.
 */

#include <unistd.h>

int
main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		pause();
	return (0);
}

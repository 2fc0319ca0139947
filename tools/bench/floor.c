/* floor: a program that only exits, for make bench's plan-path table. */
int
main(void)
{
	return (0);
}

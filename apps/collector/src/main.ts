/** neighwatch-collector entry point (being implemented). */
process.stdout.write('usage: neighwatch-collector [options]\n');

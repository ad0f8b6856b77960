from geomem.cli import main

main()

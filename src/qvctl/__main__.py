from qvctl.cli import main

main()

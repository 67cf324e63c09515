from annotation_app.cli import main

main()

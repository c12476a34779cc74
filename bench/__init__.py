"""The portal's benchmark (`make bench`, `python manage.py bench --scale N`) and load run."""

from django.conf import settings


def platform(request):
    """Values every page needs: demo banner, unread notifications count."""
    unread = 0
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {"OUVERT_DEMO": settings.OUVERT_DEMO, "unread_notifications": unread}

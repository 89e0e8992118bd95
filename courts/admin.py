from django.contrib import admin

from .models import Court, CourtStaff


@admin.register(Court)
class CourtAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "region"]
    list_filter = ["level"]
    search_fields = ["name", "code", "region"]


@admin.register(CourtStaff)
class CourtStaffAdmin(admin.ModelAdmin):
    list_display = ["user", "court", "active"]
    list_filter = ["court", "active"]
    autocomplete_fields = ["user", "court"]

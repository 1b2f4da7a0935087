CatalogSearch.add("t","fi",{"finding":"3h","finding sparse":"3X","fit":"0J","fit training":"0O"});

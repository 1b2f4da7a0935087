CatalogSearch.add("t","th",{"they":"0J","they have":"0O"});

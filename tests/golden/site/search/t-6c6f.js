CatalogSearch.add("t","lo",{"long":"0J","long after":"0O","lottery":"1i2h","lottery ticket":"3X"});

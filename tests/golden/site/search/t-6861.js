CatalogSearch.add("t","ha",{"hardt":"5c","harri":"0c","have":"0J","have fit":"0O"});

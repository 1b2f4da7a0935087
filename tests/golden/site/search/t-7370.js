CatalogSearch.add("t","sp",{"sparse":[5.515,"1_2x"],"sparse network":[1.888,"1_2l"],"sparse trainable":[2.607,"3_"]});

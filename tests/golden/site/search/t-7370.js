CatalogSearch.add("t","sp",{"sparse":[5.513,"1_2x"],"sparse network":[3.158,"1_2S"],"sparse trainable":[2.607,"3_"]});
